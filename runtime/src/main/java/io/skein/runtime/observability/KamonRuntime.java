package io.skein.runtime.observability;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kamon.Kamon;
import kamon.prometheus.PrometheusReporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kamon's lifecycle for the nodes of one JVM: Kamon is a JVM-wide singleton, so the first node that
 * observes starts it ({@code Kamon.initWithoutAttaching}, no agent) with its settings and the last one
 * to stop stops it. Holds the one Prometheus reporter the nodes' {@code /metrics} endpoints read.
 *
 * <p>Thread-safe (all state under the class lock); {@link #acquire} and {@link #release} are paired by
 * each node.
 */
final class KamonRuntime {

    private static final Logger log = LoggerFactory.getLogger(KamonRuntime.class);

    private static int users;
    private static PrometheusReporter prometheus;

    private KamonRuntime() {
    }

    /**
     * Starts Kamon unless a node of this JVM already did; returns the Prometheus reporter (or
     * {@code null} when metrics are off for the JVM's Kamon).
     */
    static synchronized PrometheusReporter acquire(Config root, ObservabilitySettings settings) {
        if (users++ == 0) {
            Kamon.initWithoutAttaching(kamonConfig(root, settings));
            if (settings.metrics()) {
                prometheus = PrometheusReporter.create();
                Kamon.addReporter("skein-prometheus", prometheus);
            }
            log.debug("Kamon started (metrics {}, tracing {}, OTLP {})", settings.metrics(), settings.tracing(),
                    settings.otlp() ? settings.otlpEndpoint() : "off");
        }
        return prometheus;
    }

    /**
     * Whether Kamon has a span reporter now (a module of the span or combined kind, enabled: from Kamon's
     * configuration or registered with {@code Kamon.addReporter}). Reads Kamon's status, which costs
     * microseconds: call it now and then, never per call.
     */
    static boolean spansReported() {
        scala.collection.Iterator<kamon.status.Status.Module> modules =
                Kamon.status().moduleRegistry().modules().iterator();
        while (modules.hasNext()) {
            kamon.status.Status.Module m = modules.next();
            String kind = String.valueOf(m.kind());
            if (m.enabled() && (kind.equals("SpansReporter") || kind.equals("CombinedReporter"))) {
                return true;
            }
        }
        return false;
    }

    /** How many nodes of this JVM hold Kamon now. */
    static synchronized int users() {
        return users;
    }

    /** One node is done with Kamon; the last one stops it (bounded wait). */
    static synchronized void release() {
        if (users == 0 || --users > 0) {
            return;
        }
        prometheus = null;
        try {
            scala.concurrent.Await.result(Kamon.stop(),
                    scala.concurrent.duration.Duration.create(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Kamon did not stop cleanly: {}", e.toString());
        }
    }

    /** Kamon's configuration: the node's (with Kamon's own keys) under what skein.observability decides. */
    static Config kamonConfig(Config root, ObservabilitySettings s) {
        Map<String, Object> o = new HashMap<>();
        o.put("kamon.environment.service", s.serviceName().isEmpty() ? "skein" : s.serviceName());
        o.put("kamon.metric.tick-interval", s.metricsTick().toMillis() + "ms");
        o.put("kamon.trace.tick-interval", s.traceTick().toMillis() + "ms");
        o.put("kamon.trace.identifier-scheme", "double"); // 16-byte trace ids, as W3C Trace Context has
        o.put("kamon.trace.sampler", s.tracing() ? s.sampler() : "never");
        o.put("kamon.trace.random-sampler.probability", s.probability());
        // The Prometheus reporter is created by hand and served by the node's endpoint, not Kamon's server.
        o.put("kamon.modules.prometheus-reporter.enabled", false);
        o.put("kamon.prometheus.start-embedded-http-server", false);
        o.put("kamon.modules.otel-trace-reporter.enabled", s.tracing() && s.otlp());
        o.put("kamon.otel.trace.endpoint", s.otlpEndpoint());
        o.put("kamon.otel.trace.protocol", s.otlpProtocol());
        o.put("kamon.init.hide-banner", true);
        return ConfigFactory.parseMap(o).withFallback(root).withFallback(ConfigFactory.defaultReference()).resolve();
    }
}
