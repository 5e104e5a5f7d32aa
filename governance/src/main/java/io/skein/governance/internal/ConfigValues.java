package io.skein.governance.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import io.skein.protocols.StatusCode;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Reading governance settings from HOCON with Skein's conventions ({@code off} durations, status names). */
public final class ConfigValues {

    private ConfigValues() {
    }

    /** A duration, or {@code null} when the key holds {@code off} / {@code none} / {@code 0}. */
    public static Duration optionalDuration(Config config, String path) {
        if (config.getIsNull(path)) {
            return null;
        }
        if (config.getValue(path).valueType() == ConfigValueType.STRING) {
            String s = config.getString(path).trim().toLowerCase(Locale.ROOT);
            if (s.equals("off") || s.equals("none")) {
                return null;
            }
        }
        Duration d = config.getDuration(path);
        return d.isZero() ? null : positive(d, path);
    }

    /** A positive duration. */
    public static Duration positive(Duration d, String path) {
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException.BadValue(path, "must be positive: " + d);
        }
        return d;
    }

    /** Status code names ({@code UNAVAILABLE}, case-insensitive) or numbers. */
    public static Set<StatusCode> codes(Config config, String path) {
        Set<StatusCode> codes = EnumSet.noneOf(StatusCode.class);
        for (Object o : config.getAnyRefList(path)) {
            String s = String.valueOf(o).trim();
            try {
                codes.add(s.chars().allMatch(Character::isDigit)
                        ? StatusCode.fromValue(Integer.parseInt(s))
                        : StatusCode.valueOf(s.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue(path, "unknown status code '" + s + "'");
            }
        }
        return Set.copyOf(codes);
    }

    /** An int in {@code [min, max]}. */
    public static int intIn(Config config, String path, int min, int max) {
        int v = config.getInt(path);
        if (v < min || v > max) {
            throw new ConfigException.BadValue(path, "must be in [" + min + ", " + max + "]: " + v);
        }
        return v;
    }

    /** A double in {@code [min, max]}. */
    public static double doubleIn(Config config, String path, double min, double max) {
        double v = config.getDouble(path);
        if (v < min || v > max) {
            throw new ConfigException.BadValue(path, "must be in [" + min + ", " + max + "]: " + v);
        }
        return v;
    }
}
