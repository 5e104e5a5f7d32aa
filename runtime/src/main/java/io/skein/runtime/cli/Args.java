package io.skein.runtime.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments: positionals, {@code --name value} / {@code --name=value} options (repeatable),
 * and boolean flags. Unknown options are an error, so typos do not pass silently.
 */
public final class Args {

    private final List<String> positionals = new ArrayList<>();
    private final Map<String, List<String>> options = new LinkedHashMap<>();

    private Args() {
    }

    /**
     * Parses {@code argv}. {@code valued} names options that take a value, {@code flags} those that do not.
     *
     * @throws IllegalArgumentException on an unknown option or a missing value
     */
    public static Args parse(String[] argv, Set<String> valued, Set<String> flags) {
        Args args = new Args();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (flags.contains(name)) {
                    args.options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
                } else if (valued.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= argv.length) {
                            throw new IllegalArgumentException("option --" + name + " needs a value");
                        }
                        value = argv[++i];
                    }
                    args.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                } else {
                    throw new IllegalArgumentException("unknown option --" + name);
                }
            } else {
                args.positionals.add(a);
            }
        }
        return args;
    }

    /**
     * @throws IllegalArgumentException when {@code command} was given positional arguments
     */
    public void requireNoPositionals(String command) {
        if (!positionals.isEmpty()) {
            throw new IllegalArgumentException(command + " takes no arguments, got " + String.join(" ", positionals));
        }
    }

    public List<String> positionals() {
        return positionals;
    }

    /** The last value of {@code name}, or {@code fallback}. */
    public String get(String name, String fallback) {
        List<String> v = options.get(name);
        return v == null || v.isEmpty() ? fallback : v.get(v.size() - 1);
    }

    /** Every value of a repeatable option. */
    public List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    public boolean has(String name) {
        return options.containsKey(name);
    }

    /**
     * A positive number of milliseconds, or {@code fallback}.
     *
     * @throws IllegalArgumentException for a value that is not a positive integer
     */
    public int getPositiveMillis(String name, int fallback) {
        int v = getInt(name, fallback);
        if (has(name) && v <= 0) {
            throw new IllegalArgumentException("option --" + name + " must be a positive number of milliseconds, got "
                    + get(name, ""));
        }
        return v;
    }

    /** An integer option, or {@code fallback}. */
    public int getInt(String name, int fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option --" + name + " needs a number, got " + v);
        }
    }
}
