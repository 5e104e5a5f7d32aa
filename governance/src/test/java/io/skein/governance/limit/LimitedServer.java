package io.skein.governance.limit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.transport.supervision.ActorOwner;
import io.skein.protocols.CallKind;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import io.skein.transport.Marshaller;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerMethodHandler;
import io.skein.transport.ServerOptions;
import io.skein.transport.RpcServer;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.StringMarshaller;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A real server on loopback whose calls the test controls, behind a {@link ServerLimiter} (its actors
 * under a node-like {@link ActorOwner} that closing stops):
 * {@link #ECHO} answers at once, {@link #HOLD} answers only when the test {@linkplain #releaseHeld()
 * releases} it, {@link #CHAT} is a bidi echo that stays open as long as the client's side does. It
 * counts what the service saw: calls in flight (and the most at once), and request payloads parsed.
 */
final class LimitedServer implements AutoCloseable {

    static final String ECHO = "test.Limits/Echo";
    static final String HOLD = "test.Limits/Hold";
    static final String CHAT = "test.Limits/Chat";

    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicLong served = new AtomicLong();
    final AtomicLong parsed = new AtomicLong();
    /** {@link System#nanoTime()} of the first and the last call the service saw since {@link #resetClock()}. */
    final AtomicLong firstServed = new AtomicLong();
    final AtomicLong lastServed = new AtomicLong();
    final Queue<CompletableFuture<String>> held = new ConcurrentLinkedQueue<>();
    final ActorOwner owner;
    final ServerLimiter limiter;
    final RpcServer server;

    LimitedServer(ActorSystem<?> system, ServerLimits limits) {
        this.owner = ActorOwner.create(system, "skein-node");
        this.limiter = ServerLimiter.create(owner, limits);
        Marshaller<String> counting = new Marshaller<>() {
            @Override
            public String parse(ByteBuf buffer) throws Exception {
                parsed.incrementAndGet();
                return StringMarshaller.INSTANCE.parse(buffer);
            }

            @Override
            public ByteBuf serialize(String value, ByteBufAllocator allocator) {
                return StringMarshaller.INSTANCE.serialize(value, allocator);
            }
        };
        MethodRegistry registry = MethodRegistry.of(List.of(
                new ServerMethod<>(new MethodDescriptor<>(ECHO, CallKind.UNARY, counting, StringMarshaller.INSTANCE),
                        unary(request -> CompletableFuture.completedFuture(request))),
                new ServerMethod<>(new MethodDescriptor<>(HOLD, CallKind.UNARY, counting, StringMarshaller.INSTANCE),
                        unary(request -> {
                            CompletableFuture<String> answer = new CompletableFuture<>();
                            held.add(answer);
                            return answer;
                        })),
                new ServerMethod<>(new MethodDescriptor<>(CHAT, CallKind.BIDI_STREAMING, counting,
                        StringMarshaller.INSTANCE), new ServerMethodHandler<String, String>() {
                            @Override
                            public CompletionStage<String> unary(String request, CallContext context) {
                                throw new UnsupportedOperationException();
                            }

                            @Override
                            public Source<String, ?> streaming(Source<String, NotUsed> requests, CallContext context) {
                                enter();
                                return requests.watchTermination((m, done) -> {
                                    done.whenComplete((d, f) -> inFlight.decrementAndGet());
                                    return m;
                                });
                            }
                        })));
        this.server = Await.result(RpcServer.start(system, new InetSocketAddress("127.0.0.1", 0), registry,
                ServerOptions.builder().admission(limiter).build()), Servers.TIMEOUT);
    }

    private ServerMethodHandler<String, String> unary(java.util.function.Function<String, CompletableFuture<String>> f) {
        return new ServerMethodHandler<>() {
            @Override
            public CompletionStage<String> unary(String request, CallContext context) {
                enter();
                return f.apply(request).whenComplete((r, e) -> inFlight.decrementAndGet());
            }

            @Override
            public Source<String, ?> streaming(Source<String, NotUsed> requests, CallContext context) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private void enter() {
        long now = System.nanoTime();
        firstServed.compareAndSet(0, now);
        lastServed.accumulateAndGet(now, Math::max);
        served.incrementAndGet();
        int calls = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(calls, Math::max);
    }

    void resetClock() {
        firstServed.set(0);
        lastServed.set(0);
    }

    InetSocketAddress address() {
        return server.localAddress();
    }

    /** Answers every held call. */
    int releaseHeld() {
        int n = 0;
        for (CompletableFuture<String> f; (f = held.poll()) != null; n++) {
            f.complete("released");
        }
        return n;
    }

    @Override
    public void close() {
        releaseHeld();
        Await.result(server.shutdown(Duration.ofMillis(200)), Servers.TIMEOUT);
        Await.result(owner.closeAsync(), Servers.TIMEOUT);
    }
}
