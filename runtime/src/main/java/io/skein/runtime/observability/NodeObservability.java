package io.skein.runtime.observability;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import io.skein.governance.limit.ServerLimiter;
import io.skein.runtime.cluster.ClusterRegistry;
import io.skein.runtime.health.HealthService;
import io.skein.runtime.health.v1.HealthCheckResponse.ServingStatus;
import io.skein.transport.observe.CallObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import kamon.prometheus.PrometheusReporter;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A node's observability, as {@code skein.observability} configures it: Kamon (started with the JVM's
 * first observing node, stopped with its last), the {@link CallObserver} the node's server and client
 * channels use, the governance and cluster gauges, and the HTTP endpoint ({@code GET /metrics}: Kamon's
 * metrics in Prometheus' text format; {@code GET /health[?service=pkg.Svc]}: 200 when serving, 503 when
 * not, 404 for an unknown service).
 *
 * <p>Owned by its {@link io.skein.runtime.SkeinNode}, which {@linkplain #close closes} it once its actor
 * system has terminated. The endpoint answers on one daemon thread of its own; the gauges run on the
 * actor system's scheduler. Thread-safe.
 */
public final class NodeObservability implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeObservability.class);

    private final ActorSystem<?> system;
    private final ObservabilitySettings settings;
    private final CallObserver observer;
    private final PrometheusReporter prometheus;
    private final HttpServer http;
    private final ExecutorService httpThread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile HealthService health;
    private volatile Cancellable gauges;
    private volatile Cancellable flushes;
    private volatile Cancellable spanChecks;

    private NodeObservability(ActorSystem<?> system, ObservabilitySettings settings, CallObserver observer,
                              PrometheusReporter prometheus, HttpServer http, ExecutorService httpThread) {
        this.system = system;
        this.settings = settings;
        this.observer = observer;
        this.prometheus = prometheus;
        this.http = http;
        this.httpThread = httpThread;
    }

    /**
     * Starts what {@code skein.observability} in {@code config} turns on for the node of {@code system}.
     * A port already in use for the HTTP endpoint is logged, and the node runs without the endpoint.
     */
    public static NodeObservability start(ActorSystem<?> system, Config config) {
        requireNonNull(system, "system");
        ObservabilitySettings settings = ObservabilitySettings.from(requireNonNull(config, "config"));
        if (!settings.enabled()) {
            return new NodeObservability(system, settings, CallObserver.NONE, null, null, null);
        }
        PrometheusReporter prometheus = KamonRuntime.acquire(config, settings);
        CallObserver observer = settings.observesCalls() ? new KamonCallObserver(settings) : CallObserver.NONE;
        HttpServer http = null;
        ExecutorService thread = null;
        if (settings.httpEnabled()) {
            try {
                http = HttpServer.create(new InetSocketAddress(settings.httpHost(), settings.httpPort()), 16);
                thread = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "skein-observability-http-" + system.name());
                    t.setDaemon(true);
                    return t;
                });
                http.setExecutor(thread);
            } catch (IOException e) {
                log.warn("observability endpoint not started: cannot bind {}:{} ({}); set"
                        + " skein.observability.http.port", settings.httpHost(), settings.httpPort(), e.toString());
                http = null;
            }
        }
        NodeObservability node = new NodeObservability(system, settings, observer, prometheus, http, thread);
        if (observer instanceof KamonCallObserver calls && settings.tracing()) {
            calls.checkSpanReporters();
            node.spanChecks = node.every(settings.traceTick(), settings.traceTick(), calls::checkSpanReporters,
                    Level.DEBUG, "checking Kamon's span reporters");
        }
        if (observer instanceof KamonCallObserver calls && settings.metrics()) {
            // Calls count in per-thread cells; twice per Kamon tick they are added to Kamon's instruments.
            node.flushes = node.every(settings.metricsTick().dividedBy(2), settings.metricsTick().dividedBy(2),
                    calls::flush, Level.WARN, "flushing RPC metrics into Kamon");
        }
        if (http != null) {
            http.createContext("/metrics", node::metrics);
            http.createContext("/health", node::health);
            http.start();
        }
        return node;
    }

    /**
     * How many nodes of this JVM observe now. Kamon is one per JVM and the first of them configured it:
     * a node started while others run shares their Kamon (and their exporters) whatever its own settings.
     */
    public static int nodesInJvm() {
        return KamonRuntime.users();
    }

    /** The settings in force. */
    public ObservabilitySettings settings() {
        return settings;
    }

    /** The observer of the node's calls ({@link CallObserver#NONE} when nothing per call is observed). */
    public CallObserver observer() {
        return observer;
    }

    /** Where {@code /metrics} and {@code /health} answer, when the endpoint runs. */
    public Optional<InetSocketAddress> httpAddress() {
        return http == null ? Optional.empty() : Optional.of(http.getAddress());
    }

    /** The health service {@code /health} reports. */
    public void health(HealthService health) {
        this.health = health;
    }

    /**
     * Starts reading governance and cluster gauges: {@code limiter} (null on a client member), every
     * governed channel of the node's actor system, and {@code registry} (null when standalone).
     */
    public void watch(ServerLimiter limiter, ClusterRegistry registry) {
        if (!settings.enabled() || !settings.metrics()) {
            return;
        }
        GovernanceGauges reader = new GovernanceGauges(system, limiter, registry);
        gauges = every(java.time.Duration.ZERO, settings.gaugeInterval(), reader, Level.DEBUG,
                "reading governance gauges");
    }

    /**
     * Runs {@code task} on the actor system's scheduler after {@code first}, then every {@code interval}; a
     * failure is logged at {@code level} ({@code what} failed) and the next run goes ahead.
     */
    private Cancellable every(java.time.Duration first, java.time.Duration interval, Runnable task, Level level,
                              String what) {
        return system.scheduler().scheduleAtFixedRate(first, interval, () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.atLevel(level).log("{} failed: {}", what, e.toString());
            }
        }, system.executionContext());
    }

    private void metrics(HttpExchange exchange) throws IOException {
        if (prometheus == null) {
            respond(exchange, 404, "metrics are off (skein.observability.metrics.enabled)\n");
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        respond(exchange, 200, prometheus.scrapeData());
    }

    private void health(HttpExchange exchange) throws IOException {
        HealthService h = health;
        String service = query(exchange.getRequestURI(), "service");
        ServingStatus status = h == null ? ServingStatus.SERVING : h.status(service);
        if (status == null) {
            respond(exchange, 404, "SERVICE_UNKNOWN\n");
        } else {
            respond(exchange, status == ServingStatus.SERVING ? 200 : 503, status.name() + "\n");
        }
    }

    private static String query(URI uri, String key) {
        String q = uri.getRawQuery();
        if (q == null) {
            return "";
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(key)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    private static void respond(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops the gauges and the endpoint and lets go of Kamon (the JVM's last node stops it). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Cancellable c : new Cancellable[] {gauges, flushes, spanChecks}) {
            if (c != null) {
                c.cancel();
            }
        }
        if (observer instanceof KamonCallObserver calls) {
            calls.flush(); // what the last calls counted
        }
        if (http != null) {
            http.stop(0);
            httpThread.shutdownNow();
        }
        if (settings.enabled()) {
            KamonRuntime.release();
        }
    }
}
