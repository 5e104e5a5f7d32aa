package io.skein.examples.bench;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.BidiStreamingMethod;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.Targets;
import io.skein.governance.chain.ClientGovernance;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A closed-loop load generator for the Echo service: {@code concurrency} workers, each with exactly
 * one call in flight, issuing the next call when the previous one completes. {@link Method#SAY} makes
 * unary calls; {@link Method#CHAT} keeps one long-lived bidi stream per worker and ping-pongs one
 * message at a time over it (a failed stream is counted and reopened).
 *
 * <p>Every completed call, failed or not, has its latency recorded (microseconds, HdrHistogram) and is
 * counted in {@link Result#calls()}; failures are also counted by status code in {@link Result#errors()}.
 * Nothing recorded during the warm-up or after the measurement window ends is reported. Nothing here
 * blocks a Netty event loop or an actor thread: calls are chained on their completions and streams
 * are fed from their reply sink; only the caller's thread waits, and only with bounded waits.
 */
public final class LoadGenerator {

    /** Longest latency the histogram tracks (60 s, in microseconds); longer ones are clamped to it. */
    public static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(60);

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
     * {@link EchoRequest} with a {@code payloadBytes}-byte payload); when given it is called once per call
     * or message, from any thread.
     */
    public record Settings(String target, Method method, int payloadBytes, int concurrency, Integer connections,
                           Duration duration, Duration warmup, Duration timeout, Supplier<EchoRequest> requests) {

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
        }

        /** The defaults: 1024-byte payload, concurrency 100, the config's connections, 10 s after 5 s warm-up. */
        public static Settings of(String target, Method method) {
            return new Settings(target, method, 1024, 100, null, Duration.ofSeconds(10), Duration.ofSeconds(5),
                    null, null);
        }

        public Settings withPayloadBytes(int bytes) {
            return new Settings(target, method, bytes, concurrency, connections, duration, warmup, timeout, requests);
        }

        public Settings withConcurrency(int n) {
            return new Settings(target, method, payloadBytes, n, connections, duration, warmup, timeout, requests);
        }

        public Settings withConnections(Integer n) {
            return new Settings(target, method, payloadBytes, concurrency, n, duration, warmup, timeout, requests);
        }

        public Settings withDuration(Duration d) {
            return new Settings(target, method, payloadBytes, concurrency, connections, d, warmup, timeout, requests);
        }

        public Settings withWarmup(Duration d) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, d, timeout, requests);
        }

        public Settings withTimeout(Duration d) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, warmup, d, requests);
        }

        public Settings withRequests(Supplier<EchoRequest> supplier) {
            return new Settings(target, method, payloadBytes, concurrency, connections, duration, warmup, timeout,
                    supplier);
        }
    }

    /**
     * What a run measured. {@code calls} counts every call (or Chat message) completed in the measurement
     * window, failed ones included; {@code errors} counts the failed ones by status code; {@code latency}
     * holds every completed call's latency in microseconds. {@code unreachable} is true when no call ever
     * succeeded and every failure was {@code UNAVAILABLE}.
     */
    public record Result(String target, Method method, int payloadBytes, int concurrency, int connections,
                         double durationSeconds, long calls, Map<StatusCode, Long> errors, Histogram latency,
                         boolean unreachable) {

        /** Calls (or messages) per second over the measurement window. */
        public double qps() {
            return durationSeconds > 0 ? calls / durationSeconds : 0;
        }

        /** Failed calls in the measurement window. */
        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The latency at {@code percentile} (0..100), in milliseconds. */
        public double percentileMs(double percentile) {
            return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1000.0;
        }

        public double maxMs() {
            return latency.getTotalCount() == 0 ? 0 : latency.getMaxValue() / 1000.0;
        }

        public double meanMs() {
            return latency.getTotalCount() == 0 ? 0 : latency.getMean() / 1000.0;
        }
    }

    /** Latencies and failures of one phase (warm-up, measurement, drain). */
    private static final class Window {
        final Recorder latency = new Recorder(1, HIGHEST_MICROS, 3);
        final ConcurrentHashMap<StatusCode, LongAdder> errors = new ConcurrentHashMap<>();
    }

    private final Settings settings;
    private final Supplier<EchoRequest> requests;
    private final CountDownLatch finished;
    private final LongAdder everOk = new LongAdder();
    private final LongAdder everUnavailable = new LongAdder();
    private final LongAdder everOtherFailure = new LongAdder();
    private volatile Window window = new Window();
    private volatile boolean running = true;

    private LoadGenerator(Settings settings) {
        this.settings = settings;
        this.finished = new CountDownLatch(settings.concurrency());
        if (settings.requests() != null) {
            this.requests = settings.requests();
        } else {
            EchoRequest request = EchoRequest.newBuilder()
                    .setPayload(ByteString.copyFrom(new byte[settings.payloadBytes()]))
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
     * {@code skein.client.defaults}) over the one target instance, so the chain's cost can be measured.
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
            ClientChannel channel = governed ? governedChannel(system, settings.target())
                    : Targets.open(system, settings.target());
            try {
                return new LoadGenerator(settings).run(system, channel);
            } finally {
                await(channel.closeAsync(), STOP);
            }
        } finally {
            system.terminate();
            await(system.getWhenTerminated(), STOP);
        }
    }

    private static ClientChannel governedChannel(ActorSystem<Void> system, String target) {
        java.net.URI uri = java.net.URI.create(target);
        String service = echo().getFullName();
        Instance instance = new Instance(Targets.host(uri) + ":" + Targets.port(uri), Targets.host(uri),
                Targets.port(uri), Set.of(uri.getScheme()), 1, Map.of());
        return ClientGovernance.builder(system, service)
                .instances(StaticInstanceSource.of(service, List.of(instance)))
                .balancedChannel(b -> b.protocol(uri.getScheme()))
                .build();
    }

    private Result run(ActorSystem<Void> system, ClientChannel channel) {
        ServiceClient client = ServiceClient.create(system, channel, echo());
        CallOptions options = settings.timeout() == null ? CallOptions.DEFAULT
                : CallOptions.DEFAULT.withTimeout(settings.timeout());
        long start = System.nanoTime();
        if (settings.method() == Method.SAY) {
            UnaryMethod<EchoRequest, EchoReply> say = client.unary("Say", EchoRequest.class, EchoReply.class);
            for (int i = 0; i < settings.concurrency(); i++) {
                new UnaryWorker(say, options).next();
            }
        } else {
            BidiStreamingMethod<EchoRequest, EchoReply> chat =
                    client.bidiStreaming("Chat", EchoRequest.class, EchoReply.class);
            Materializer materializer = Materializer.matFromSystem(system);
            for (int i = 0; i < settings.concurrency(); i++) {
                new ChatWorker(system, materializer, chat).open();
            }
        }
        // The phases are timed from here: starting the workers (connecting, loading classes) is not measured.
        boolean unreachable = !pass(start, System.nanoTime(), settings.warmup());
        Window measured = new Window();
        window = measured;
        long measureStart = System.nanoTime();
        if (!unreachable) {
            unreachable = !pass(start, measureStart, settings.duration());
        }
        long measureEnd = System.nanoTime();
        window = new Window();
        running = false;
        Histogram latency = measured.latency.getIntervalHistogram();
        Map<StatusCode, Long> errors = new EnumMap<>(StatusCode.class);
        measured.errors.forEach((code, n) -> errors.put(code, n.sum()));
        awaitWorkers(DRAIN.plus(settings.timeout() == null ? Duration.ZERO : settings.timeout()));
        int connections = system.settings().config().getInt("skein.client.connections-per-endpoint");
        unreachable = unreachable || neverReached();
        return new Result(settings.target(), settings.method(), settings.payloadBytes(), settings.concurrency(),
                connections, (measureEnd - measureStart) / 1e9, latency.getTotalCount(),
                Collections.unmodifiableMap(errors), latency, unreachable);
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
            if (now - start >= UNREACHABLE_AFTER.toNanos() && neverReached()) {
                return false;
            }
            try {
                // A bounded wait on the caller's thread: a tick of the phase clock, not a wait for a condition.
                finished.await(Math.min(TimeUnit.NANOSECONDS.toMillis(until - now) + 1, 100), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private boolean neverReached() {
        return everOk.sum() == 0 && everUnavailable.sum() > 0 && everOtherFailure.sum() == 0;
    }

    private void awaitWorkers(Duration limit) {
        try {
            finished.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Whoever has not finished by now is cut off when the channel closes (UNAVAILABLE, in the drain window).
    }

    private void recordOk(long startNanos) {
        everOk.increment();
        window.latency.recordValue(micros(startNanos));
    }

    private void recordFailure(long startNanos, Throwable failure) {
        StatusCode code = code(failure);
        if (code == StatusCode.UNAVAILABLE) {
            everUnavailable.increment();
        } else {
            everOtherFailure.increment();
        }
        Window w = window;
        w.latency.recordValue(micros(startNanos));
        w.errors.computeIfAbsent(code, k -> new LongAdder()).increment();
    }

    private static long micros(long startNanos) {
        long micros = (System.nanoTime() - startNanos) / 1000;
        return Math.max(0, Math.min(micros, HIGHEST_MICROS));
    }

    /** The status code a failure counts under: a StatusException's code, INTERNAL for anything else. */
    static StatusCode code(Throwable failure) {
        Throwable t = failure;
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof CancellationException) {
            return StatusCode.CANCELLED;
        }
        return Status.fromThrowable(t).code();
    }

    private static com.google.protobuf.Descriptors.ServiceDescriptor echo() {
        return EchoProto.getDescriptor().findServiceByName("Echo");
    }

    /** One unary caller: the next call starts when the previous one completes. */
    private final class UnaryWorker {
        private final UnaryMethod<EchoRequest, EchoReply> say;
        private final CallOptions options;

        UnaryWorker(UnaryMethod<EchoRequest, EchoReply> say, CallOptions options) {
            this.say = say;
            this.options = options;
        }

        /** Issues calls until one is still in flight; loops instead of recursing on calls that complete at once. */
        void next() {
            while (running) {
                long start = System.nanoTime();
                CompletableFuture<EchoReply> call;
                try {
                    call = say.call(requests.get(), options).toCompletableFuture();
                } catch (RuntimeException e) {
                    call = CompletableFuture.failedFuture(e);
                }
                if (!call.isDone()) {
                    call.whenComplete((reply, failure) -> {
                        complete(start, failure);
                        next();
                    });
                    return;
                }
                Throwable failure = null;
                try {
                    call.join(); // already done: returns at once
                } catch (CompletionException | CancellationException e) {
                    failure = e;
                }
                complete(start, failure);
            }
            finished.countDown();
        }

        private void complete(long start, Throwable failure) {
            if (failure == null) {
                recordOk(start);
            } else {
                recordFailure(start, failure);
            }
        }
    }

    /**
     * One bidi stream, ping-pong: a request is offered to the stream's queue, and the next one only from
     * the reply sink once the reply arrived. A stream that fails (or ends with a message unanswered) is
     * counted and reopened while the run lasts.
     */
    private final class ChatWorker {
        private final ActorSystem<?> system;
        private final Materializer materializer;
        private final BidiStreamingMethod<EchoRequest, EchoReply> chat;
        private final AtomicBoolean done = new AtomicBoolean();
        // Written by whoever sends (opener or reply sink), read by the reply sink, the stream's completion
        // and the timeout timer: one message in flight, so the writes never race.
        private volatile BoundedSourceQueue<EchoRequest> queue;
        private volatile UniqueKillSwitch killSwitch;
        private volatile long sentAt;
        private volatile long sequence;
        private volatile boolean inFlight;
        private volatile Cancellable timer;

        ChatWorker(ActorSystem<?> system, Materializer materializer, BidiStreamingMethod<EchoRequest, EchoReply> chat) {
            this.system = system;
            this.materializer = materializer;
            this.chat = chat;
        }

        void open() {
            if (!running) {
                finish();
                return;
            }
            Pair<Pair<BoundedSourceQueue<EchoRequest>, UniqueKillSwitch>, CompletionStage<Done>> m;
            try {
                m = Source.<EchoRequest>queue(1)
                        .via(chat.call())
                        .viaMat(KillSwitches.single(), Keep.both())
                        .toMat(Sink.foreach(this::onReply), Keep.both())
                        .run(materializer);
            } catch (RuntimeException e) {
                // Only when the client system is going away: count it and stop this worker.
                recordFailure(System.nanoTime(), e);
                finish();
                return;
            }
            queue = m.first().first();
            killSwitch = m.first().second();
            m.second().whenComplete((d, failure) -> onStreamEnd(failure));
            send();
        }

        private void send() {
            EchoRequest request;
            try {
                request = requests.get();
            } catch (RuntimeException e) {
                killSwitch.abort(e);
                return;
            }
            long seq = ++sequence;
            sentAt = System.nanoTime();
            inFlight = true;
            if (settings.timeout() != null) {
                UniqueKillSwitch ks = killSwitch;
                timer = system.scheduler().scheduleOnce(settings.timeout(), () -> {
                    if (inFlight && sequence == seq) {
                        ks.abort(new StatusException(StatusCode.DEADLINE_EXCEEDED,
                                "no reply within " + settings.timeout().toMillis() + " ms"));
                    }
                }, system.executionContext());
            }
            queue.offer(request); // never full: one message in flight; a closed queue shows as the stream's end
        }

        private void onReply(EchoReply reply) {
            cancelTimer();
            inFlight = false;
            recordOk(sentAt);
            if (running) {
                send();
            } else {
                queue.complete();
            }
        }

        private void onStreamEnd(Throwable failure) {
            cancelTimer();
            if (failure != null) {
                recordFailure(sentAt, failure);
            } else if (inFlight) {
                recordFailure(sentAt, new StatusException(StatusCode.UNKNOWN, "stream ended without a reply"));
            }
            inFlight = false;
            if (running) {
                open();
            } else {
                finish();
            }
        }

        private void cancelTimer() {
            Cancellable t = timer;
            if (t != null) {
                t.cancel();
            }
        }

        private void finish() {
            if (done.compareAndSet(false, true)) {
                finished.countDown();
            }
        }
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
