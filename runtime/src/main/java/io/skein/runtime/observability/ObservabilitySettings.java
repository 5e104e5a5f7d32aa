package io.skein.runtime.observability;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code skein.observability}: what a node observes and where it reports. Immutable.
 *
 * @param enabled           master switch: off, the node observes nothing and starts no Kamon
 * @param serviceName       the service name spans are exported under ({@code kamon.environment.service})
 * @param metrics           RPC, connection, governance and cluster metrics
 * @param metricsTick       how often Kamon snapshots metrics (what a scrape sees is the last snapshot)
 * @param httpEnabled       whether the node serves {@code /metrics} (Prometheus) and {@code /health} over HTTP
 * @param httpHost          interface of that endpoint
 * @param httpPort          port of that endpoint; 0 picks a free one
 * @param tracing           server, client and attempt spans, W3C propagation, trace ids in the MDC
 * @param sampler           {@code always}, {@code never}, {@code random} or {@code adaptive} (Kamon's samplers)
 * @param probability       the share of new traces sampled by the {@code random} sampler
 * @param traceTick         how often finished spans are flushed to the exporter
 * @param spansAlways       sampled calls get Kamon spans even while no span reporter is registered
 *                          ({@code tracing.spans = always}); otherwise ({@code auto}) only while one is
 * @param otlp              whether sampled spans are exported over OTLP
 * @param otlpEndpoint      the OTLP receiver ({@code http://host:4317} for gRPC, {@code http://host:4318} for HTTP)
 * @param otlpProtocol      {@code grpc} or {@code http/protobuf}
 * @param accessLog         one line per call on the {@code skein.access} logger
 * @param accessSampleRate  share of calls logged (0..1)
 * @param accessSlow        calls at least this slow are logged whatever the sampling; zero: off
 * @param refusalLog        whether refused calls are logged (rate limited)
 * @param refusalInterval   at most one refusal line per status code per interval
 * @param gaugeInterval     how often governance and cluster gauges are read
 */
public record ObservabilitySettings(boolean enabled, String serviceName, boolean metrics, Duration metricsTick,
                                    boolean httpEnabled, String httpHost, int httpPort, boolean tracing,
                                    String sampler, double probability, Duration traceTick, boolean spansAlways,
                                    boolean otlp,
                                    String otlpEndpoint, String otlpProtocol, boolean accessLog,
                                    double accessSampleRate, Duration accessSlow, boolean refusalLog,
                                    Duration refusalInterval,
                                    Duration gaugeInterval) {

    /** Reads {@code skein.observability} from {@code root}. */
    public static ObservabilitySettings from(Config root) {
        Config c = requireNonNull(root, "root").getConfig("skein.observability");
        String sampler = c.getString("tracing.sampler");
        if (!sampler.equals("always") && !sampler.equals("never") && !sampler.equals("random")
                && !sampler.equals("adaptive")) {
            throw new IllegalArgumentException("skein.observability.tracing.sampler must be always, never, random or"
                    + " adaptive, not '" + sampler + "'");
        }
        double probability = c.getDouble("tracing.probability");
        double rate = c.getDouble("access-log.sample-rate");
        if (probability < 0 || probability > 1 || rate < 0 || rate > 1) {
            throw new IllegalArgumentException("skein.observability: tracing.probability and access-log.sample-rate"
                    + " must be between 0 and 1");
        }
        String spans = c.getString("tracing.spans");
        if (!spans.equals("auto") && !spans.equals("always")) {
            throw new IllegalArgumentException("skein.observability.tracing.spans must be auto or always, not '"
                    + spans + "'");
        }
        String protocol = c.getString("otlp.protocol");
        if (!protocol.equals("grpc") && !protocol.equals("http/protobuf")) {
            throw new IllegalArgumentException("skein.observability.otlp.protocol must be grpc or http/protobuf, not '"
                    + protocol + "'");
        }
        return new ObservabilitySettings(c.getBoolean("enabled"), c.getString("service-name"),
                c.getBoolean("metrics.enabled"), c.getDuration("metrics.tick-interval"),
                c.getBoolean("http.enabled"), c.getString("http.host"), c.getInt("http.port"),
                c.getBoolean("tracing.enabled"), sampler, probability, c.getDuration("tracing.tick-interval"),
                spans.equals("always"), c.getBoolean("otlp.enabled"), c.getString("otlp.endpoint"), protocol,
                c.getBoolean("access-log.enabled"), rate, c.getDuration("access-log.slow-threshold"),
                c.getBoolean("refusal-log.enabled"), c.getDuration("refusal-log.interval"), c.getDuration("metrics.gauge-interval"));
    }

    /** Whether any per-call observation is on (otherwise the node installs no observer). */
    public boolean observesCalls() {
        return enabled && (metrics || tracing || accessLog || refusalLog);
    }
}
