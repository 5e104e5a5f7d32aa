package io.skein.benchmarks;

import com.google.protobuf.Descriptors;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.protobuf.ProtoMethods;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.governance.chain.ClientGovernance;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Flow;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the client governance chain adds to a unary call on the caller's CPU, without sockets: the full
 * default chain ({@code ClientGovernance} over three static instances: fallback lookup, service breaker
 * and timeout, retry plan, weighted round robin with instance breakers) in front of a channel that
 * answers at once ({@code governed}), against that channel called directly ({@code direct}). The
 * difference is the chain's cost per call; {@code bench --governance} measures it end to end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GovernanceChainBenchmark {

    private static final String SERVICE = "skein.examples.echo.Echo";

    private ActorSystem<Void> system;
    private ClientChannel direct;
    private ClientChannel governed;
    private MethodDescriptor<EchoRequest, EchoReply> say;
    private EchoRequest request;

    @Setup(Level.Trial)
    public void setUp() {
        system = ActorSystem.create(Behaviors.empty(), "skein-bench",
                ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
        Descriptors.ServiceDescriptor echo = EchoProto.getDescriptor().findServiceByName("Echo");
        say = ProtoMethods.descriptor(ProtoMethods.find(echo, "Say"));
        request = BenchData.echoRequest(1024);
        direct = new AnsweringChannel(EchoReply.newBuilder().setMessage("ok").build());
        List<Instance> instances = List.of(Instance.of("a", "10.0.0.1", 1), Instance.of("b", "10.0.0.2", 1),
                Instance.of("c", "10.0.0.3", 1));
        governed = ClientGovernance.builder(system, SERVICE)
                .instances(StaticInstanceSource.of(SERVICE, instances))
                .balancedChannel(b -> b.opener(instance -> direct))
                .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        governed.closeAsync().toCompletableFuture().join();
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
    }

    @Benchmark
    public EchoReply direct() {
        return direct.unary(say, request, CallOptions.DEFAULT).toCompletableFuture().join();
    }

    @Benchmark
    public EchoReply governed() {
        return governed.unary(say, request, CallOptions.DEFAULT).toCompletableFuture().join();
    }

    /** Answers every unary call at once with the same reply. */
    private static final class AnsweringChannel implements ClientChannel {
        private final EchoReply reply;

        AnsweringChannel(EchoReply reply) {
            this.reply = reply;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                io.skein.transport.ClientCallContext context) {
            return CompletableFuture.completedFuture((Resp) reply);
        }

        @Override
        public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
            throw new UnsupportedOperationException("unary only");
        }

        @Override
        public CompletionStage<Done> closeAsync() {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
    }
}
