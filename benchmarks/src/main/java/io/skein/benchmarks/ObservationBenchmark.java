package io.skein.benchmarks;

import com.typesafe.config.ConfigFactory;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.runtime.observability.NodeObservability;
import io.skein.transport.CallContext;
import io.skein.transport.observe.CallObserver;
import io.skein.transport.observe.CallProbe;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What observing one server call costs on the server's CPU, without sockets: the call engine's hooks for
 * a unary Echo/Say call (call started with its context, one 1 KB request received, one response sent,
 * ended OK) against the node's observer as {@code skein.observability} makes it: {@code off}
 * ({@link CallObserver#NONE}), {@code default} (metrics, tracing sampled at 1 %; no exporter, so no Kamon
 * spans), {@code exported} (the defaults as if an exporter took the spans: 1 % of calls get one),
 * {@code sampled} (every call gets a span, into Kamon's buffer), and the parts of {@code default} alone:
 * {@code metrics} (tracing off) and {@code tracing} (metrics off). Each mode runs in its own fork (Kamon is
 * one per JVM). The difference to {@code off} is the observation's cost per call;
 * {@code benchmarks/observability.sh} measures it end to end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ObservationBenchmark {

    @Param({"off", "default", "exported", "sampled", "metrics", "tracing"})
    public String mode;

    private ActorSystem<Void> system;
    private NodeObservability observability;
    private CallObserver observer;
    private final InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 40000);

    @Setup(Level.Trial)
    public void setUp() {
        String settings = ObservationCpuCost.settings(mode);
        var config = ConfigFactory.parseString(settings + "\npekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load()).resolve();
        system = ActorSystem.create(Behaviors.empty(), "skein-bench", config);
        observability = NodeObservability.start(system, config);
        observer = observability.observer();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
        observability.close();
    }

    @Benchmark
    public CallProbe serverCall() {
        CallContext context = new CallContext("skein.examples.echo.Echo/Say", Metadata.EMPTY, 0, peer);
        CallProbe probe = observer.serverCall(context, "skein");
        probe.messageReceived(1030);
        probe.messageSent(1030);
        probe.ended(Status.OK);
        return probe;
    }
}
