package io.skein.benchmarks;

import com.typesafe.config.ConfigFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.skein.actors.BoundService;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.EchoService;
import io.skein.protocols.Metadata;
import io.skein.transport.CallContext;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerMethodHandler;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server call path through the actors without sockets, one call in flight (c=1): the Echo
 * {@code ServiceDefinition} bound to an {@link ActorSystem}, its {@code Say} {@link ServerMethodHandler}
 * called with a fresh {@link CallContext}, and the caller waiting (join) for the actor's reply. {@code say}
 * is the bare handler round trip; {@code sayMarshalled} adds what the transport does around it: parse the
 * request bytes and serialize the reply into a pooled buffer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ActorCallPathBenchmark {

    private ActorSystem<Void> system;
    private MethodDescriptor<EchoRequest, EchoReply> descriptor;
    private ServerMethodHandler<EchoRequest, EchoReply> say;
    private EchoRequest request;
    private ByteBuf requestBytes;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = ActorSystem.create(Behaviors.empty(), "skein-bench",
                ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
        BoundService bound = EchoService.definition(() -> "bench").bind(system);
        for (ServerMethod<?, ?> m : bound.methods()) {
            if (m.descriptor().fullName().equals(BenchData.SAY)) {
                ServerMethod<EchoRequest, EchoReply> sayMethod = (ServerMethod<EchoRequest, EchoReply>) m;
                descriptor = sayMethod.descriptor();
                say = sayMethod.handler();
            }
        }
        if (say == null) {
            throw new IllegalStateException("no " + BenchData.SAY + " in " + bound.methods());
        }
        request = BenchData.echoRequest(1024);
        byte[] bytes = request.toByteArray();
        requestBytes = alloc.buffer(bytes.length).writeBytes(bytes);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        requestBytes.release();
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private CallContext context() {
        return new CallContext(BenchData.SAY, Metadata.EMPTY, 0, null);
    }

    @Benchmark
    public EchoReply say() {
        return say.unary(request, context()).toCompletableFuture().join();
    }

    @Benchmark
    public int sayMarshalled() throws Exception {
        EchoRequest parsed = descriptor.requests().parse(requestBytes.duplicate());
        EchoReply reply = say.unary(parsed, context()).toCompletableFuture().join();
        ByteBuf out = descriptor.responses().serialize(reply, alloc);
        int n = out.readableBytes();
        out.release();
        return n;
    }

}
