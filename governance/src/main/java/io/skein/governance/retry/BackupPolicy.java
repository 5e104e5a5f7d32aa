package io.skein.governance.retry;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.governance.internal.ConfigValues;
import java.time.Duration;

/**
 * Backup (hedged) requests of one method: when an attempt has not answered after {@code delay},
 * another is sent to a different instance; the first answer wins and the others are cancelled on
 * the wire. Backups obey the retry budget, so a slow service does not double its load.
 *
 * @param enabled  whether backups are sent
 * @param delay    how long to wait for an answer before sending a backup (use the method's p99)
 * @param maxExtra backups per call, 0..2 (Kitex: 1)
 */
public record BackupPolicy(boolean enabled, Duration delay, int maxExtra) {

    /** No backups. */
    public static final BackupPolicy OFF = new BackupPolicy(false, Duration.ofMillis(100), 0);

    public BackupPolicy {
        requireNonNull(delay, "delay");
        if (delay.isNegative() || delay.isZero() || maxExtra < 0 || maxExtra > 2) {
            throw new IllegalArgumentException("invalid backup policy: delay " + delay + ", max-extra " + maxExtra);
        }
    }

    /** Reads a {@code backup { enabled, delay, max-extra }} block. */
    public static BackupPolicy fromConfig(Config c) {
        return new BackupPolicy(c.getBoolean("enabled"), ConfigValues.positive(c.getDuration("delay"), "delay"),
                ConfigValues.intIn(c, "max-extra", 0, 2));
    }
}
