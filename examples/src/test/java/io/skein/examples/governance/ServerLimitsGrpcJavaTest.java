package io.skein.examples.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.skein.examples.echo.EchoGrpc;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.EchoService;
import io.skein.examples.testing.TestNodes;
import io.skein.governance.limit.LimitSettings;
import io.skein.governance.limit.ServerLimiter;
import io.skein.governance.limit.ServerLimits;
import io.skein.transport.supervision.ActorOwner;
import io.skein.testing.Await;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerOptions;
import io.skein.transport.RpcServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server limits seen by grpc-java (the reference gRPC client): the real Echo actor behind a
 * {@link ServerLimiter}; calls over the limit get {@code RESOURCE_EXHAUSTED} with the limiter's message
 * and the channel keeps working.
 */
class ServerLimitsGrpcJavaTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static ActorSystem<Void> system;
    private static ServerLimiter limiter;
    private static RpcServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        system = TestNodes.clientSystem("limited-echo", "");
        limiter = ServerLimiter.create(ActorOwner.create(system, "skein-node"), ServerLimits.UNLIMITED
                .withMethod("skein.examples.echo.Echo/Say", LimitSettings.concurrency(2))
                .withMethod("skein.examples.echo.Echo/Chat", LimitSettings.concurrency(1)));
        MethodRegistry registry = MethodRegistry.of(EchoService.definition(() -> "limited").bind(system).methods());
        server = Await.result(RpcServer.start(system, new InetSocketAddress("127.0.0.1", 0), registry,
                ServerOptions.builder().admission(limiter).build()), LIMIT);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.localAddress().getPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        try {
            channel.shutdownNow();
            assertTrue(channel.awaitTermination(LIMIT.toMillis(), TimeUnit.MILLISECONDS));
            Await.result(server.shutdown(Duration.ofMillis(200)), LIMIT);
            limiter.close();
        } finally {
            TestNodes.terminate(system);
        }
    }

    @Test
    void callsOverTheLimitGetResourceExhaustedAndTheChannelServesOn() throws Exception {
        EchoGrpc.EchoFutureStub async = EchoGrpc.newFutureStub(channel);
        EchoGrpc.EchoBlockingStub blocking = EchoGrpc.newBlockingStub(channel);
        List<ListenableFuture<EchoReply>> slow = List.of(
                async.say(EchoRequest.newBuilder().setMessage("slow").setDelayMs(2_000).build()),
                async.say(EchoRequest.newBuilder().setMessage("slow").setDelayMs(2_000).build()));
        Await.until(LIMIT, () -> limiter.stats().methods().get("skein.examples.echo.Echo/Say").inFlight() == 2);

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> blocking.say(EchoRequest.newBuilder().setMessage("over").build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
        assertEquals("server limit reached: at most 2 concurrent calls (skein.examples.echo.Echo/Say)",
                refused.getStatus().getDescription());

        // A bidi stream over its own limit of 1: the second is refused while the first is open.
        CompletableFuture<Void> firstDone = new CompletableFuture<>();
        StreamObserver<EchoRequest> first = EchoGrpc.newStub(channel).chat(observer(new CompletableFuture<>(), firstDone));
        first.onNext(EchoRequest.newBuilder().setMessage("open").build());
        Await.until(LIMIT, () -> limiter.stats().methods().get("skein.examples.echo.Echo/Chat").inFlight() == 1);
        CompletableFuture<Throwable> secondFailed = new CompletableFuture<>();
        StreamObserver<EchoRequest> second = EchoGrpc.newStub(channel).chat(observer(secondFailed,
                new CompletableFuture<>()));
        second.onNext(EchoRequest.newBuilder().setMessage("over").build());
        second.onCompleted();
        Throwable streamRefusal = Await.result(secondFailed, LIMIT);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(streamRefusal).getCode());
        first.onCompleted();
        Await.result(firstDone, LIMIT);

        for (ListenableFuture<EchoReply> s : slow) {
            assertEquals("slow", s.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS).getMessage());
        }
        Await.until(LIMIT, () -> limiter.stats().methods().get("skein.examples.echo.Echo/Say").inFlight() == 0);
        assertEquals("again", blocking.say(EchoRequest.newBuilder().setMessage("again").build()).getMessage());
        assertEquals(1, limiter.stats().methods().get("skein.examples.echo.Echo/Say").refusedConcurrency());
        assertEquals(1, limiter.stats().methods().get("skein.examples.echo.Echo/Chat").refusedConcurrency());
    }

    private static StreamObserver<EchoReply> observer(CompletableFuture<Throwable> failed, CompletableFuture<Void> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(EchoReply value) {
            }

            @Override
            public void onError(Throwable t) {
                failed.complete(t);
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                failed.completeExceptionally(new AssertionError("completed without error"));
                done.complete(null);
            }
        };
    }
}
