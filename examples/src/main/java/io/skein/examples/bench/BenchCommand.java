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
 * {@code bench --target URI [--method Echo/Say|Echo/Chat] [--payload BYTES] [--cpu-us N] [--concurrency N |
 * --rate N [--max-in-flight N]] [--connections N] [--duration S] [--warmup S] [--timeout MS] [--config FILE]
 * [--governance] [--json]}: runs the {@link LoadGenerator}, closed loop ({@code --concurrency}) or open
 * loop ({@code --rate}), through the client governance chain with {@code --governance} (its policies from
 * {@code --config}), and prints what it measured, as aligned lines or (with {@code --json}) as one JSON
 * object on stdout. Exit code 0 when the run completed (call errors are reported, not fatal), 1 when the
 * target could not be reached at all, 64 (ExitCodes.USAGE) for usage errors.
 */
public final class BenchCommand {

    /** Options that take a value. */
    public static final Set<String> OPTIONS = Set.of("target", "method", "payload", "concurrency", "connections",
            "duration", "warmup", "timeout", "config", "cpu-us", "rate", "max-in-flight");

    /** Options that take none. */
    public static final Set<String> FLAGS = Set.of("json", "governance");

    public static final String USAGE = String.join("\n",
            "  bench --target URI [--method Echo/Say|Echo/Chat] [--payload BYTES] [--cpu-us N]",
            "        [--concurrency N | --rate N [--max-in-flight N]] [--connections N] [--duration S] [--warmup S]",
            "        [--timeout MS] [--config FILE] [--governance] [--json]",
            "                                               load on Echo (default Say, 1024 bytes, 10 s after 5 s",
            "                                               warm-up): closed loop with N calls in flight (default",
            "                                               100), or open loop with --rate N calls/s on a fixed",
            "                                               schedule (Say only; latency from the scheduled time;",
            "                                               at most --max-in-flight, default 10000, in flight);",
            "                                               --cpu-us has the server spend N us of CPU per call;",
            "                                               prints QPS, latency percentiles, OK calls apart,",
            "                                               errors and refusals by status; --governance sends",
            "                                               the calls through the client governance chain",
            "                                               configured by --config");

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
        double rate = 0;
        if (args.has("rate")) {
            if (args.has("concurrency")) {
                throw new IllegalArgumentException("--rate (open loop) and --concurrency (closed loop) exclude each other");
            }
            rate = positiveDouble(args, "rate");
        } else if (args.has("max-in-flight")) {
            throw new IllegalArgumentException("--max-in-flight bounds an open-loop run: it needs --rate");
        }
        return new LoadGenerator.Settings(target, method, args.getInt("payload", 1024),
                args.getInt("concurrency", 100), connections, seconds(args, "duration", 10), seconds(args, "warmup", 5),
                timeout, null, args.getInt("cpu-us", 0), rate,
                args.getInt("max-in-flight", LoadGenerator.Settings.DEFAULT_MAX_IN_FLIGHT));
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
            err.printf(Locale.ROOT, "bench: %s %s, %s, warm-up %s s, measuring %s s%s%s%n",
                    settings.target(), settings.method().fullName(), settings.openLoop()
                            ? String.format(Locale.ROOT, "open loop at %s calls/s (at most %d in flight)",
                            number(settings.rate(), settings.rate() == Math.rint(settings.rate()) ? 0 : 1),
                            settings.maxInFlight())
                            : settings.concurrency() + " in flight",
                    seconds(settings.warmup()), seconds(settings.duration()),
                    settings.cpuMicros() > 0 ? ", " + settings.cpuMicros() + " us of server CPU per call" : "",
                    governed ? ", governance chain on" : "");
        }
        LoadGenerator.Result result = LoadGenerator.run(config, settings, governed);
        out.print(json ? json(result) + "\n" : text(result));
        out.flush();
        LoadGenerator.OpenLoopStats open = result.openLoop();
        if (open != null && open.boundHits() > 0) {
            err.printf(Locale.ROOT, "WARNING: %d calls found %d calls in flight (--max-in-flight) and waited for a "
                    + "free place; their wait counts in their latency, the target did not keep up%n",
                    open.boundHits(), open.maxInFlight());
        }
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
        if (r.cpuMicros() > 0) {
            line(b, "server cpu", r.cpuMicros() + " us per call");
        }
        LoadGenerator.OpenLoopStats open = r.openLoop();
        if (open != null) {
            line(b, "mode", "open loop");
            line(b, "rate", String.format(Locale.ROOT, "%.1f calls/s asked, %.1f sent", open.rate(),
                    r.durationSeconds() > 0 ? open.sent() / r.durationSeconds() : 0));
            line(b, "in flight", "at most " + open.maxInFlight() + ", peak " + open.peakInFlight()
                    + (open.boundHits() > 0 ? ", bound hit by " + open.boundHits() + " calls" : ""));
            line(b, "send lag", ms(open.maxSendLagMs()) + " at most");
        } else {
            line(b, "mode", "closed loop");
            line(b, "concurrency", Integer.toString(r.concurrency()));
        }
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
        line(b, "ok", r.okCalls() + String.format(Locale.ROOT, " (%.1f/s)", r.okQps()));
        line(b, "ok p50/p99", ms(r.okPercentileMs(50)) + " / " + ms(r.okPercentileMs(99)));
        line(b, "ok p99.9/max", ms(r.okPercentileMs(99.9)) + " / " + ms(r.okMaxMs()));
        line(b, "errors", r.errors().isEmpty() ? "0" : r.errorCount() + " (" + byCode(r.errors()) + ")");
        line(b, "refusals", r.refusals().isEmpty() ? "0" : r.refusalCount() + " (" + byCode(r.refusals()) + "), p50 "
                + ms(r.refusalPercentileMs(50)) + ", p99 " + ms(r.refusalPercentileMs(99)));
        if (r.attempts() >= 0) {
            line(b, "attempts", Long.toString(r.attempts()));
        }
        return b.toString();
    }

    private static String byCode(Map<StatusCode, Long> counts) {
        StringJoiner j = new StringJoiner(", ");
        counts.forEach((code, n) -> j.add(code.name() + "=" + n));
        return j.toString();
    }

    /** The result as one JSON object (no trailing newline). */
    public static String json(LoadGenerator.Result r) {
        StringBuilder b = new StringBuilder("{");
        b.append("\"target\":").append(quote(r.target()));
        b.append(",\"method\":").append(quote(r.method().fullName()));
        b.append(",\"payloadBytes\":").append(r.payloadBytes());
        b.append(",\"cpuMicros\":").append(r.cpuMicros());
        LoadGenerator.OpenLoopStats open = r.openLoop();
        b.append(",\"mode\":").append(quote(open == null ? "closed" : "open"));
        if (open == null) {
            b.append(",\"concurrency\":").append(r.concurrency());
        } else {
            b.append(",\"rate\":").append(number(open.rate(), 1));
            b.append(",\"maxInFlight\":").append(open.maxInFlight());
            b.append(",\"sent\":").append(open.sent());
            b.append(",\"sentQps\":").append(number(r.durationSeconds() > 0 ? open.sent() / r.durationSeconds() : 0, 1));
            b.append(",\"boundHits\":").append(open.boundHits());
            b.append(",\"peakInFlight\":").append(open.peakInFlight());
            b.append(",\"maxSendLagMs\":").append(number(open.maxSendLagMs(), 3));
        }
        b.append(",\"connections\":").append(r.connections());
        b.append(",\"durationSeconds\":").append(number(r.durationSeconds(), 3));
        b.append(",\"calls\":").append(r.calls());
        b.append(",\"errors\":");
        counts(b, r.errors());
        b.append(",\"refusals\":");
        counts(b, r.refusals());
        if (r.attempts() >= 0) {
            b.append(",\"attempts\":").append(r.attempts());
        }
        b.append(",\"qps\":").append(number(r.qps(), 1));
        b.append(",\"latencyMs\":{");
        b.append("\"p50\":").append(number(r.percentileMs(50), 3));
        b.append(",\"p90\":").append(number(r.percentileMs(90), 3));
        b.append(",\"p99\":").append(number(r.percentileMs(99), 3));
        b.append(",\"p999\":").append(number(r.percentileMs(99.9), 3));
        b.append(",\"max\":").append(number(r.maxMs(), 3));
        b.append(",\"mean\":").append(number(r.meanMs(), 3));
        b.append('}');
        b.append(",\"okCalls\":").append(r.okCalls());
        b.append(",\"okQps\":").append(number(r.okQps(), 1));
        b.append(",\"okLatencyMs\":{");
        b.append("\"p50\":").append(number(r.okPercentileMs(50), 3));
        b.append(",\"p90\":").append(number(r.okPercentileMs(90), 3));
        b.append(",\"p99\":").append(number(r.okPercentileMs(99), 3));
        b.append(",\"p999\":").append(number(r.okPercentileMs(99.9), 3));
        b.append(",\"max\":").append(number(r.okMaxMs(), 3));
        b.append('}');
        b.append(",\"refusalLatencyMs\":{");
        b.append("\"p50\":").append(number(r.refusalPercentileMs(50), 3));
        b.append(",\"p99\":").append(number(r.refusalPercentileMs(99), 3));
        b.append("}}");
        return b.toString();
    }

    private static void counts(StringBuilder b, Map<StatusCode, Long> by) {
        b.append('{');
        String sep = "";
        for (Map.Entry<StatusCode, Long> e : by.entrySet()) {
            b.append(sep).append(quote(e.getKey().name())).append(':').append(e.getValue());
            sep = ",";
        }
        b.append('}');
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

    private static double positiveDouble(Args args, String name) {
        String v = args.get(name, null);
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("option --" + name + " needs a number, got " + v);
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("option --" + name + " must be positive, got " + v);
        }
        return d;
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
