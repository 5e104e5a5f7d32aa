package io.skein.examples.bench;

import com.typesafe.config.Config;
import io.skein.actors.client.Targets;
import io.skein.protocols.StatusCode;
import io.skein.runtime.cli.Args;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * {@code bench --target URI [--method Echo/Say|Echo/Chat] [--payload BYTES] [--concurrency N]
 * [--connections N] [--duration S] [--warmup S] [--timeout MS] [--config FILE] [--governance] [--json]}:
 * runs the {@link LoadGenerator} (through the client governance chain with {@code --governance}, its
 * policies from {@code --config}) and prints what it measured, as aligned lines or (with {@code --json}) as one
 * JSON object on stdout. Exit code 0 when the run completed (call errors are reported, not fatal),
 * 1 when the target could not be reached at all, 64 (ExitCodes.USAGE) for usage errors.
 */
public final class BenchCommand {

    /** Options that take a value. */
    public static final Set<String> OPTIONS = Set.of("target", "method", "payload", "concurrency", "connections",
            "duration", "warmup", "timeout", "config");

    /** Options that take none. */
    public static final Set<String> FLAGS = Set.of("json", "governance");

    public static final String USAGE = String.join("\n",
            "  bench --target URI [--method Echo/Say|Echo/Chat] [--payload BYTES] [--concurrency N]",
            "        [--connections N] [--duration S] [--warmup S] [--timeout MS] [--config FILE] [--governance]",
            "        [--json]",
            "                                               closed-loop load on Echo (default Say, 1024 bytes,",
            "                                               100 in flight, 10 s after 5 s warm-up); prints QPS,",
            "                                               latency percentiles and errors by status;",
            "                                               --governance sends the calls through the client",
            "                                               governance chain configured by --config");

    private static final double MAX_SECONDS = 1e6;

    private BenchCommand() {
    }

    /**
     * The settings {@code args} describe.
     *
     * @throws IllegalArgumentException on a usage error
     */
    public static LoadGenerator.Settings settings(Args args) {
        if (!args.positionals().isEmpty()) {
            throw new IllegalArgumentException("bench takes no positional arguments, got " + args.positionals());
        }
        String target = args.get("target", null);
        if (target == null) {
            throw new IllegalArgumentException("bench needs --target URI (skein://host:port, grpc://host:port or shm://PATH)");
        }
        java.net.URI uri = java.net.URI.create(target);
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException("target needs a scheme (skein:// or grpc://): " + target);
        }
        if (!"shm".equals(uri.getScheme())) { // shm://PATH names a socket, not host:port
            Targets.host(uri);
            Targets.port(uri);
        }
        LoadGenerator.Method method = LoadGenerator.Method.parse(args.get("method", "Echo/Say"));
        Integer connections = args.has("connections") ? args.getInt("connections", 0) : null;
        Duration timeout = args.has("timeout") ? Duration.ofMillis(positiveLong(args, "timeout")) : null;
        return new LoadGenerator.Settings(target, method, args.getInt("payload", 1024),
                args.getInt("concurrency", 100), connections, seconds(args, "duration", 10), seconds(args, "warmup", 5),
                timeout, null);
    }

    /** Runs the load and prints the result; returns the exit code. */
    public static int run(LoadGenerator.Settings settings, Config config, boolean json, PrintStream out,
                          PrintStream err) {
        return run(settings, config, false, json, out, err);
    }

    /** As {@link #run(LoadGenerator.Settings, Config, boolean, PrintStream, PrintStream)}, optionally governed. */
    public static int run(LoadGenerator.Settings settings, Config config, boolean governed, boolean json,
                          PrintStream out, PrintStream err) {
        if (!json) {
            err.printf(Locale.ROOT, "bench: %s %s, %d in flight, warm-up %s s, measuring %s s%s%n",
                    settings.target(), settings.method().fullName(), settings.concurrency(),
                    seconds(settings.warmup()), seconds(settings.duration()), governed ? ", governance chain on" : "");
        }
        LoadGenerator.Result result = LoadGenerator.run(config, settings, governed);
        out.print(json ? json(result) + "\n" : text(result));
        out.flush();
        if (result.unreachable()) {
            err.println("ERROR: cannot reach " + settings.target() + ": every call failed with UNAVAILABLE");
            return 1;
        }
        return 0;
    }

    /** The result as human-readable lines. */
    public static String text(LoadGenerator.Result r) {
        StringBuilder b = new StringBuilder();
        line(b, "target", r.target());
        line(b, "method", r.method().fullName());
        line(b, "payload", r.payloadBytes() + " bytes");
        line(b, "concurrency", Integer.toString(r.concurrency()));
        line(b, "connections", Integer.toString(r.connections()));
        line(b, "duration", String.format(Locale.ROOT, "%.3f s", r.durationSeconds()));
        line(b, r.method() == LoadGenerator.Method.CHAT ? "messages" : "calls", Long.toString(r.calls()));
        line(b, r.method() == LoadGenerator.Method.CHAT ? "msgs/s" : "qps", String.format(Locale.ROOT, "%.1f", r.qps()));
        line(b, "p50", ms(r.percentileMs(50)));
        line(b, "p90", ms(r.percentileMs(90)));
        line(b, "p99", ms(r.percentileMs(99)));
        line(b, "p99.9", ms(r.percentileMs(99.9)));
        line(b, "max", ms(r.maxMs()));
        line(b, "mean", ms(r.meanMs()));
        StringJoiner errors = new StringJoiner(", ");
        r.errors().forEach((code, n) -> errors.add(code.name() + "=" + n));
        line(b, "errors", r.errors().isEmpty() ? "0" : r.errorCount() + " (" + errors + ")");
        return b.toString();
    }

    /** The result as one JSON object (no trailing newline). */
    public static String json(LoadGenerator.Result r) {
        StringBuilder b = new StringBuilder("{");
        b.append("\"target\":").append(quote(r.target()));
        b.append(",\"method\":").append(quote(r.method().fullName()));
        b.append(",\"payloadBytes\":").append(r.payloadBytes());
        b.append(",\"concurrency\":").append(r.concurrency());
        b.append(",\"connections\":").append(r.connections());
        b.append(",\"durationSeconds\":").append(number(r.durationSeconds(), 3));
        b.append(",\"calls\":").append(r.calls());
        b.append(",\"errors\":{");
        String sep = "";
        for (Map.Entry<StatusCode, Long> e : r.errors().entrySet()) {
            b.append(sep).append(quote(e.getKey().name())).append(':').append(e.getValue());
            sep = ",";
        }
        b.append('}');
        b.append(",\"qps\":").append(number(r.qps(), 1));
        b.append(",\"latencyMs\":{");
        b.append("\"p50\":").append(number(r.percentileMs(50), 3));
        b.append(",\"p90\":").append(number(r.percentileMs(90), 3));
        b.append(",\"p99\":").append(number(r.percentileMs(99), 3));
        b.append(",\"p999\":").append(number(r.percentileMs(99.9), 3));
        b.append(",\"max\":").append(number(r.maxMs(), 3));
        b.append(",\"mean\":").append(number(r.meanMs(), 3));
        b.append("}}");
        return b.toString();
    }

    private static void line(StringBuilder b, String name, String value) {
        b.append(String.format(Locale.ROOT, "%-12s %s%n", name, value));
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, "%.3f ms", ms);
    }

    private static String number(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "0";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds())
                : String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }

    private static Duration seconds(Args args, String name, double fallback) {
        String v = args.get(name, null);
        double s = fallback;
        if (v != null) {
            try {
                s = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option --" + name + " needs a number of seconds, got " + v);
            }
        }
        if (!Double.isFinite(s) || s < 0 || s > MAX_SECONDS) {
            throw new IllegalArgumentException("option --" + name + " needs a number of seconds, got " + v);
        }
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private static long positiveLong(Args args, String name) {
        String v = args.get(name, null);
        try {
            long n = Long.parseLong(v);
            if (n <= 0) {
                throw new IllegalArgumentException("option --" + name + " must be positive, got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option --" + name + " needs a number, got " + v);
        }
    }
}
