package io.skein.examples.bench;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.Targets;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.governance.chain.ClientGovernance;
import io.skein.governance.chain.ForwardingClientChannel;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A load generator for the Echo service, closed or open loop.
 *
 * <p><b>Closed loop</b> ({@link ClosedLoop}): {@code concurrency} workers, each with exactly one call in
 * flight, issuing the next call when the previous one completes. {@link Method#SAY} makes unary calls;
 * {@link Method#CHAT} keeps one long-lived bidi stream per worker and ping-pongs one message at a time
 * over it (a failed stream is counted and reopened).
 *
 * <p><b>Open loop</b> ({@link OpenLoop}, {@link Settings#rate} &gt; 0, {@code Say} only): calls go out on a
 * fixed schedule whatever the answers do, and their latency counts from their scheduled time, so
 * overload in which arrivals outrun the target can be measured; a bound on calls in flight is reported
 * when hit ({@link OpenLoopStats}).
 *
 * <p>Every completed call, failed or not, has its latency recorded (microseconds, HdrHistogram) and is
 * counted in {@link Result#calls()}; the OK calls' latency is also kept apart (goodput), failures are
 * counted by status code in {@link Result#errors()} and refusals apart in {@link Result#refusals()}.
 * Nothing recorded during the warm-up or after the measurement window ends is reported. Nothing here
 * blocks a Netty event loop or an actor thread: calls are chained on their completions and streams
 * are fed from their reply sink; only the caller's thread (and the open-loop sender) waits, and only
 * with bounded waits.
 */
public final class LoadGenerator {

    /** Longest latency the histogram tracks (60 s, in microseconds); longer ones are clamped to it. */
    public static final long HIGHEST_MICROS = CallRecords.HIGHEST_MICROS;

    /** How long the load may fail with nothing but UNAVAILABLE, and never succeed, before the run gives up. */
    static final Duration UNREACHABLE_AFTER = Duration.ofSeconds(2);

    private static final Duration DRAIN = Duration.ofSeconds(5);
    private static final Duration STOP = Duration.ofSeconds(10);

    /** The Echo methods the generator drives. */
    public enum Method {
        SAY("Say"), CHAT("Chat");

        private final String simpleName;

        Method(String simpleName) {
            this.simpleName = simpleName;
        }

        /** {@code skein.examples.echo.Echo/Say} or {@code .../Chat}. */
        public String fullName() {
            return echo().getFullName() + "/" + simpleName;
        }

        /** Parses {@code Echo/Say}, {@code Echo/Chat} or the full names {@code skein.examples.echo.Echo/...}. */
        public static Method parse(String name) {
            requireNonNull(name, "name");
            for (Method m : values()) {
                if (name.equals("Echo/" + m.simpleName) || name.equals(m.fullName())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unsupported method " + name + "; use Echo/Say or Echo/Chat");
        }
    }

    /**
     * What to run. {@code connections} and {@code timeout} may be null (the client config's
     * {@code skein.client.connections-per-endpoint}; no timeout). {@code requests} may be null (an
     * {@link EchoRequest} with a {@code payloadBytes}-byte payload and {@code cpuMicros} of work); when
     * given it is called once per call or message, from any thread.
     *
     * <p>{@code rate} 0 is closed loop: {@code concurrency} workers with one call each. A positive
     * {@code rate} (unary {@code Say} only) is open loop: that many calls per second on a fixed schedule,
     * at most {@code maxInFlight} in flight ({@code concurrency} is then unused).
     */
    public record Settings(String target, Method method, int payloadBytes, int concurrency, Integer connections,
                           Duration duration, Duration warmup, Duration timeout, Supplier<EchoRequest> requests,
                           int cpuMicros, double rate, int maxInFlight) {

        /** The open-loop bound on calls in flight unless told otherwise. */
        public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;

        public Settings {
            requireNonNull(target, "target");
            requireNonNull(method, "method");
            requireNonNull(duration, "duration");
            requireNonNull(warmup, "warmup");
            if (payloadBytes < 0) {
                throw new IllegalArgumentException("payload must be at least 0 bytes, got " + payloadBytes);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
            }
            if (connections != null && connections < 1) {
                throw new IllegalArgumentException("connections must be at least 1, got " + connections);
            }
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive, got " + duration);
            }
            if (warmup.isNegative()) {
                throw new IllegalArgumentException("warmup must not be negative, got " + warmup);
            }
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            if (cpuMicros < 0) {
                throw new IllegalArgumentException("cpu-us must not be negative, got " + cpuMicros);
            }
            if (!(rate >= 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("rate must be a positive number of calls per second, got " + rate);
            }
            if (rate > 0 && method != Method.SAY) {
                throw new IllegalArgumentException("an open-loop rate applies to Echo/Say only");
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("max-in-flight must be at least 1, got " + maxInFlight);
            }
        }

        /** The defaults: 1024-byte payload, concurrency 100, the config's connections, 10 s after 5 s warm-up. */
        public static Settings of(String target, Method method) {
            return new Settings(target, method, 1024, 100, null, Duration.ofSeconds(10), Duration.ofSeconds(5),
                    null, null, 0, 0, DEFAULT_MAX_IN_FLIGHT);
        }

        /** Whether the load is open loop (a fixed rate) rather than closed loop (fixed concurrency). */
        public boolean openLoop() {
            return rate > 0;
        }

        public Settings withPayloadBytes(int bytes) {
            return new Settings(target, method, bytes, concurrency, connections, duration, warmup, timeout, requests,
                    cpuMicros, rate, maxInFlight);
        }

        public Settings withConcurrency(int n) {
            return new Settings(target, method, payloadBytes, n, connections, duration, warmup, timeout, requests,
                    cpuMicros, rate, maxInFlight);
        }

        public Settings withConnections(Integer n) {
            return new Settings(target, method, payloadBytes, concurrency, n, duration, warmup, timeout, requests,
                    cpuMicros, rate, maxInFlight);
        }

        public Settings withDuration(Duration d) {
            return new Settings(target, method, payloadBytes, concurrency, connections, d, warmup, timeout, requests,
                    cpuMicros, rate, maxInFlight);
        }

        public Settings withWarmup(Duration d) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, d, timeout, requests,
                    cpuMicros, rate, maxInFlight);
        }

        public Settings withTimeout(Duration d) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, warmup, d, requests,
                    cpuMicros, rate, maxInFlight);
        }

        public Settings withRequests(Supplier<EchoRequest> supplier) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, warmup, timeout,
                    supplier, cpuMicros, rate, maxInFlight);
        }

        /** Each request asks the server to spend {@code micros} of CPU on it (Echo's {@code cpu_us}). */
        public Settings withCpuMicros(int micros) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, warmup, timeout,
                    requests, micros, rate, maxInFlight);
        }

        /** Open loop at {@code callsPerSecond} (0: closed loop). */
        public Settings withRate(double callsPerSecond) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, warmup, timeout,
                    requests, cpuMicros, callsPerSecond, maxInFlight);
        }

        /** The open-loop bound on calls in flight. */
        public Settings withMaxInFlight(int n) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, warmup, timeout,
                    requests, cpuMicros, rate, n);
        }
    }

    /**
     * What an open-loop run's sender saw in the measurement window.
     *
     * @param rate         the rate asked for, calls per second
     * @param maxInFlight  the bound on calls in flight
     * @param sent         calls sent in the window
     * @param boundHits    calls that found the bound full and waited for a free place (their wait is in
     *                     their latency); non-zero means the target did not keep up with the schedule
     * @param peakInFlight the most calls in flight at once
     * @param maxSendLagMs the largest delay between a call's scheduled time and its sending
     */
    public record OpenLoopStats(double rate, int maxInFlight, long sent, long boundHits, int peakInFlight,
                                double maxSendLagMs) {
    }

    /**
     * What a run measured. {@code calls} counts every call (or Chat message) completed in the measurement
     * window, failed ones included; {@code errors} counts the failed ones by status code, and
     * {@code refusals} those of them the server turned away unserved ({@code RESOURCE_EXHAUSTED}, or
     * {@code UNAVAILABLE} before any processing); {@code latency} holds every completed call's latency in
     * microseconds, {@code okLatency} the OK calls' alone ({@code okCalls} of them), {@code refusalLatency}
     * the refused calls' (how fast a refusal came back). Open loop counts
     * latency from each call's scheduled time and fills {@code openLoop}; closed loop leaves it null.
     * {@code attempts} is the number of attempts that went to the wire through the governance chain
     * (retries and backups included), -1 without {@code --governance}. {@code unreachable} is true when
     * no call ever succeeded and every failure was {@code UNAVAILABLE}.
     */
    public record Result(String target, Method method, int payloadBytes, int cpuMicros, int concurrency,
                         int connections, double durationSeconds, long calls, Map<StatusCode, Long> errors,
                         Map<StatusCode, Long> refusals, Histogram latency, long okCalls, Histogram okLatency,
                         Histogram refusalLatency, OpenLoopStats openLoop, long attempts, boolean unreachable) {

        /** Calls (or messages) per second over the measurement window. */
        public double qps() {
            return durationSeconds > 0 ? calls / durationSeconds : 0;
        }

        /** Calls answered OK per second over the measurement window (goodput). */
        public double okQps() {
            return durationSeconds > 0 ? okCalls / durationSeconds : 0;
        }

        /** Failed calls in the measurement window. */
        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Refused calls in the measurement window. */
        public long refusalCount() {
            return refusals.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The latency at {@code percentile} (0..100), in milliseconds. */
        public double percentileMs(double percentile) {
            return percentileMs(latency, percentile);
        }

        public double maxMs() {
            return maxMs(latency);
        }

        public double meanMs() {
            return latency.getTotalCount() == 0 ? 0 : latency.getMean() / 1000.0;
        }

        /** The OK calls' latency at {@code percentile} (0..100), in milliseconds. */
        public double okPercentileMs(double percentile) {
            return percentileMs(okLatency, percentile);
        }

        public double okMaxMs() {
            return maxMs(okLatency);
        }

        /** The refused calls' latency at {@code percentile} (0..100), in milliseconds. */
        public double refusalPercentileMs(double percentile) {
            return percentileMs(refusalLatency, percentile);
        }

        private static double percentileMs(Histogram h, double percentile) {
            return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
        }

        private static double maxMs(Histogram h) {
            return h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0;
        }
    }

    private final Settings settings;
    private final Supplier<EchoRequest> requests;
    private final CallRecords records = new CallRecords();
    private final LongAdder attempts = new LongAdder();

    private LoadGenerator(Settings settings) {
        this.settings = settings;
        if (settings.requests() != null) {
            this.requests = settings.requests();
        } else {
            EchoRequest request = EchoRequest.newBuilder()
                    .setPayload(ByteString.copyFrom(new byte[settings.payloadBytes()]))
                    .setCpuUs(settings.cpuMicros())
                    .build();
            this.requests = () -> request;
        }
    }

    /**
     * Runs the load described by {@code settings} from a client actor system of its own, built from
     * {@code config} (with {@code skein.client.connections-per-endpoint} set when {@code connections} is
     * given), and returns once the system is gone. Blocks the calling thread for about warm-up + duration.
     *
     * @throws IllegalArgumentException if the target is not a usable URI
     */
    public static Result run(Config config, Settings settings) {
        return run(config, settings, false);
    }

    /**
     * As {@link #run(Config, Settings)}; with {@code governed} the calls go through the full client
     * governance chain built from {@code config} (service breaker, timeout, retry/backup, balancer with
     * instance breaker; {@code skein.client.services."skein.examples.echo.Echo"} and
     * {@code skein.client.defaults}) over the one target instance, so the chain's cost can be measured,
     * and the attempts it sends to the wire are counted ({@link Result#attempts}).
     */
    public static Result run(Config config, Settings settings, boolean governed) {
        requireNonNull(config, "config");
        requireNonNull(settings, "settings");
        Config clientConfig = config;
        if (settings.connections() != null) {
            clientConfig = ConfigFactory.parseString("skein.client.connections-per-endpoint = " + settings.connections())
                    .withFallback(config);
        }
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "skein-bench", clientConfig.resolve());
        io.skein.runtime.ShmTargets.install();
        try {
            LoadGenerator generator = new LoadGenerator(settings);
            ClientChannel channel = governed ? generator.governedChannel(system, settings.target())
                    : Targets.open(system, settings.target());
            try {
                return generator.run(system, channel, governed);
            } finally {
                await(channel.closeAsync(), STOP);
            }
        } finally {
            system.terminate();
            await(system.getWhenTerminated(), STOP);
        }
    }

    private ClientChannel governedChannel(ActorSystem<Void> system, String target) {
        java.net.URI uri = java.net.URI.create(target);
        String service = echo().getFullName();
        Instance instance = new Instance(Targets.host(uri) + ":" + Targets.port(uri), Targets.host(uri),
                Targets.port(uri), Set.of(uri.getScheme()), 1, Map.of());
        return ClientGovernance.builder(system, service)
                .instances(StaticInstanceSource.of(service, List.of(instance)))
                .balancedChannel(b -> b.protocol(uri.getScheme()).opener(i -> new ForwardingClientChannel(
                        Targets.open(system, i.target(uri.getScheme()))) {
                    @Override
                    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                                   ClientCallContext context) {
                        attempts.increment(); // every attempt that reaches an instance's channel
                        return super.unary(method, request, context);
                    }
                }))
                .build();
    }

    private Result run(ActorSystem<Void> system, ClientChannel channel, boolean governed) {
        ServiceClient client = ServiceClient.create(system, channel, echo());
        CallOptions options = settings.timeout() == null ? CallOptions.DEFAULT
                : CallOptions.DEFAULT.withTimeout(settings.timeout());
        long start = System.nanoTime();
        ClosedLoop closed = null;
        OpenLoop open = null;
        if (settings.openLoop()) {
            open = new OpenLoop(client.unary("Say", EchoRequest.class, EchoReply.class), options, requests, records,
                    settings.rate(), settings.maxInFlight());
            open.start();
        } else {
            closed = new ClosedLoop(requests, records, settings.timeout(), settings.concurrency());
            if (settings.method() == Method.SAY) {
                closed.startUnary(client.unary("Say", EchoRequest.class, EchoReply.class), options,
                        settings.concurrency());
            } else {
                closed.startChat(system, client.bidiStreaming("Chat", EchoRequest.class, EchoReply.class),
                        settings.concurrency());
            }
        }
        // The phases are timed from here: starting the workers (connecting, loading classes) is not measured.
        boolean unreachable = !pass(start, System.nanoTime(), settings.warmup());
        long attemptsBefore = attempts.sum();
        CallRecords.Window measured = records.begin();
        long measureStart = System.nanoTime();
        if (!unreachable) {
            unreachable = !pass(start, measureStart, settings.duration());
        }
        long measureEnd = System.nanoTime();
        records.begin();
        long attemptsMeasured = attempts.sum() - attemptsBefore;
        Duration drain = DRAIN.plus(settings.timeout() == null ? Duration.ZERO : settings.timeout());
        if (open != null) {
            open.stop();
        } else {
            closed.stop();
        }
        Histogram latency = measured.latency.getIntervalHistogram();
        Histogram okLatency = measured.okLatency.getIntervalHistogram();
        Histogram refusalLatency = measured.refusalLatency.getIntervalHistogram();
        // Whoever has not finished by the end of the drain is cut off when the channel closes.
        if (open != null) {
            open.awaitIdle(drain);
        } else {
            closed.awaitIdle(drain);
        }
        int connections = system.settings().config().getInt("skein.client.connections-per-endpoint");
        unreachable = unreachable || records.neverReached();
        OpenLoopStats openStats = open == null ? null : new OpenLoopStats(settings.rate(), settings.maxInFlight(),
                measured.sent.sum(), measured.boundHits.sum(), measured.peakInFlight.get(),
                measured.maxSendLagNanos.get() / 1e6);
        return new Result(settings.target(), settings.method(), settings.payloadBytes(), settings.cpuMicros(),
                settings.concurrency(), connections, (measureEnd - measureStart) / 1e9, latency.getTotalCount(),
                CallRecords.Window.counts(measured.errors), CallRecords.Window.counts(measured.refusals), latency,
                okLatency.getTotalCount(), okLatency, refusalLatency, openStats, governed ? attemptsMeasured : -1,
                unreachable);
    }

    /**
     * Waits until {@code length} has passed since {@code phaseStart}; false (early) if the target turns out to
     * be unreachable: nothing but UNAVAILABLE for {@link #UNREACHABLE_AFTER} since {@code start}.
     */
    private boolean pass(long start, long phaseStart, Duration length) {
        long until = phaseStart + length.toNanos();
        while (true) {
            long now = System.nanoTime();
            if (now - until >= 0) {
                return true;
            }
            if (now - start >= UNREACHABLE_AFTER.toNanos() && records.neverReached()) {
                return false;
            }
            // A bounded wait on the caller's thread: a tick of the phase clock, not a wait for a condition.
            LockSupport.parkNanos(Math.min(until - now, TimeUnit.MILLISECONDS.toNanos(100)));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
    }

    /** The status code a failure counts under: a StatusException's code, INTERNAL for anything else. */
    static StatusCode code(Throwable failure) {
        return CallRecords.code(failure);
    }

    private static com.google.protobuf.Descriptors.ServiceDescriptor echo() {
        return EchoProto.getDescriptor().findServiceByName("Echo");
    }

    private static <T> void await(CompletionStage<T> stage, Duration limit) {
        try {
            stage.toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // best effort while shutting down
        }
    }
}
