package io.skein.runtime.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * {@code stats ENDPOINT}: reads a node's {@code /metrics} (the Prometheus exposition of
 * {@code skein.observability}) and prints its key figures as a few short tables: calls per method, protocol
 * and status with their mean duration, on each side; calls in flight; open connections; calls refused
 * before they started; server limiters; service breakers; cluster members. Counts are since the node
 * started (Kamon's Prometheus counters are cumulative).
 *
 * <p>One HTTP GET, bounded by the timeout; no state. Not thread-safe (a CLI command runs once).
 */
public final class StatsCommand {

    /** The options {@code stats} takes. */
    public static final Set<String> OPTIONS = Set.of("timeout");

    /** Usage line. */
    public static final String USAGE = "  stats HOST:PORT|URL [--timeout MS]           print a node's key metrics, read from its"
            + "\n                                               observability endpoint (skein.observability.http)";

    private final PrintStream out;
    private final PrintStream err;

    public StatsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** One sample of the exposition: metric name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {
        String label(String key) {
            return labels.getOrDefault(key, "");
        }
    }

    /** Runs the command; returns the exit code (0; 2 on usage errors; 14, UNAVAILABLE, when the endpoint cannot be read). */
    public int run(Args args) {
        if (args.positionals().size() != 1) {
            err.println("usage: stats HOST:PORT|URL [--timeout MS]");
            return 2;
        }
        URI uri = uri(args.positionals().get(0));
        Duration timeout = Duration.ofMillis(args.getInt("timeout", 5000));
        String body;
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(timeout).build()
                    .send(HttpRequest.newBuilder(uri).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                err.println("ERROR UNAVAILABLE: " + uri + " answered " + response.statusCode() + ": "
                        + response.body().strip());
                return 14;
            }
            body = response.body();
        } catch (ConnectException e) {
            err.println("ERROR UNAVAILABLE: nothing answers at " + uri + " (is skein.observability.http on?)");
            return 14;
        } catch (IOException e) {
            err.println("ERROR UNAVAILABLE: cannot read " + uri + ": " + e);
            return 14;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("ERROR CANCELLED: interrupted");
            return 1;
        }
        print(uri, parse(body));
        return 0;
    }

    /** {@code host:port} → {@code http://host:port/metrics}; a URL is taken as it is. */
    static URI uri(String endpoint) {
        if (endpoint.startsWith("http://") || endpoint.startsWith("https://")) {
            return URI.create(endpoint);
        }
        if (!endpoint.contains(":")) {
            throw new IllegalArgumentException("stats needs HOST:PORT or a URL, not '" + endpoint + "'");
        }
        return URI.create("http://" + endpoint + "/metrics");
    }

    /** The samples of a Prometheus text exposition (comments and malformed lines skipped). */
    static List<Sample> parse(String exposition) {
        List<Sample> samples = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                parseLabels(line.substring(brace + 1, Math.max(brace + 1, close)), labels);
            } else {
                name = line.substring(0, space).trim();
            }
            try {
                samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1).trim())));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return samples;
    }

    private static void parseLabels(String s, Map<String, String> into) {
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            if (eq < 0 || eq + 1 >= s.length() || s.charAt(eq + 1) != '"') {
                return;
            }
            String key = s.substring(i, eq).trim();
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            for (; j < s.length() && s.charAt(j) != '"'; j++) {
                char c = s.charAt(j);
                if (c == '\\' && j + 1 < s.length()) {
                    char n = s.charAt(++j);
                    v.append(n == 'n' ? '\n' : n);
                } else {
                    v.append(c);
                }
            }
            into.put(key, v.toString());
            i = s.indexOf(',', j);
            if (i < 0) {
                return;
            }
            i++;
        }
    }

    private void print(URI uri, List<Sample> samples) {
        out.println("metrics of " + uri);
        calls(samples, "server");
        calls(samples, "client");
        out.println("in flight: server " + fmt(sum(samples, "rpc_server_active_calls", s -> true))
                + ", client " + fmt(sum(samples, "rpc_client_active_calls", s -> true)));
        Map<String, Double> open = new TreeMap<>();
        samples.stream().filter(s -> s.name().equals("rpc_connections_open"))
                .forEach(s -> open.merge(s.label("side") + " " + s.label("rpc_system"), s.value(), Double::sum));
        out.println("connections open: " + (open.isEmpty() ? "none" : joined(open)));
        Map<String, Double> refused = new TreeMap<>();
        samples.stream().filter(s -> s.name().equals("rpc_server_refused_total"))
                .forEach(s -> refused.merge(s.label("rpc_status_code"), s.value(), Double::sum));
        refused.values().removeIf(v -> v == 0);
        out.println("refused before start: " + (refused.isEmpty() ? "none" : joined(refused)));
        Map<String, Map<String, Double>> limiters = new TreeMap<>();
        for (Sample s : samples) {
            String key = switch (s.name()) {
                case "skein_limiter_in_flight" -> "in flight";
                case "skein_limiter_concurrency_limit" -> "limit";
                case "skein_limiter_admitted_total" -> "admitted";
                case "skein_limiter_refused_total" -> "refused " + s.label("reason");
                default -> null;
            };
            if (key != null) {
                limiters.computeIfAbsent(s.label("scope"), k -> new LinkedHashMap<>()).merge(key, s.value(), Double::sum);
            }
        }
        limiters.forEach((scope, v) -> out.println("limiter " + scope + ": " + joined(v)));
        for (Sample s : samples) {
            if (s.name().equals("skein_breaker_state")) {
                String state = s.value() == 0 ? "closed" : s.value() == 1 ? "half-open" : "open";
                out.println("breaker " + s.label("rpc_service")
                        + (s.label("rpc_method").isEmpty() ? "" : "/" + s.label("rpc_method")) + ": " + state);
            }
        }
        Map<String, Double> members = new TreeMap<>();
        samples.stream().filter(s -> s.name().equals("skein_cluster_members") && s.value() > 0)
                .forEach(s -> members.merge(s.label("status"), s.value(), Double::sum));
        if (!members.isEmpty()) {
            out.println("cluster members: " + joined(members) + ", unreachable "
                    + fmt(sum(samples, "skein_cluster_unreachable", s -> true)));
        }
    }

    /** Calls of one side by method, protocol and status: count and mean duration. */
    private void calls(List<Sample> samples, String side) {
        String base = "rpc_" + side + "_duration_seconds";
        Map<String, double[]> rows = new TreeMap<>();
        for (Sample s : samples) {
            boolean count = s.name().equals(base + "_count");
            if (!count && !s.name().equals(base + "_sum")) {
                continue;
            }
            String key = String.format(Locale.ROOT, "%-44s %-6s %-18s", s.label("rpc_service") + "/"
                    + s.label("rpc_method"), s.label("rpc_system"), s.label("rpc_status_code"));
            rows.computeIfAbsent(key, k -> new double[2])[count ? 0 : 1] += s.value();
        }
        rows.values().removeIf(r -> r[0] == 0);
        if (rows.isEmpty()) {
            out.println(side + " calls: none");
            return;
        }
        out.println(side + " calls:");
        out.println(String.format(Locale.ROOT, "  %-44s %-6s %-18s %10s %10s", "METHOD", "PROTO", "STATUS", "CALLS",
                "MEAN ms"));
        rows.forEach((key, r) -> out.println(String.format(Locale.ROOT, "  %s %10d %10.3f", key, (long) r[0],
                r[1] / r[0] * 1000)));
    }

    private static double sum(List<Sample> samples, String name, Predicate<Sample> filter) {
        return samples.stream().filter(s -> s.name().equals(name) && filter.test(s)).mapToDouble(Sample::value).sum();
    }

    private static String joined(Map<String, Double> values) {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(fmt(v)));
        return b.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
