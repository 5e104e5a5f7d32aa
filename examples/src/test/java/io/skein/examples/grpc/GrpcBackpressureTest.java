package io.skein.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.skein.examples.echo.EchoGrpc;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A slow grpc-java consumer holds back a Skein producer that could go infinitely fast: HTTP/2 flow
 * control is tied to demand on both ends.
 *
 * <p>The bound asserted, at every consumed message: {@code produced - consumed <= 1.5 * HTTP2_WINDOW /
 * WIRE_MESSAGE + STREAM_WINDOW + SLACK} (= 94 + 32 + 8 = 134 replies of ~1 KiB), where
 * <ul>
 *   <li>{@code HTTP2_WINDOW / WIRE_MESSAGE} (64 KiB / ~1 KiB = 63): grpc-java's stream window. Its
 *       deframer returns bytes to HTTP/2 flow control only as the application requests messages
 *       ({@code request(1)}), so at most one window of unrequested messages sits at the client. The
 *       channel is built with {@code flowControlWindow(64 KiB)}, which also turns off grpc-java's BDP
 *       auto-tuning (it would otherwise grow the window and move the bound).</li>
 *   <li>half a window more (31): grpc-java's Netty flow controller returns the window in half-window
 *       WINDOW_UPDATEs; when 32 KiB reopen at once the Skein stream stays writable while the call stage
 *       writes into it, and the replies written past the window wait in Netty's flow controller (the
 *       stream channel turns unwritable only once they exceed it). Measured: ~92 ahead in steady state,
 *       up to ~127 right after a window update.</li>
 *   <li>{@code STREAM_WINDOW} (32, {@code skein.transport.stream-window}): what the server's call stage
 *       may hold ahead of the wire.</li>
 *   <li>{@code SLACK} (8): replies between the service source's {@code map} and the call stage, and the
 *       sample taken while the next one is produced.</li>
 * </ul>
 * Unthrottled, the producer makes hundreds of thousands of 1 KiB replies in 5 s.
 */
class GrpcBackpressureTest {

    static final int HTTP2_WINDOW = 64 * 1024;
    static final int PAYLOAD = 1024;
    /** Payload, seq and field tags in protobuf, plus gRPC's 5-byte prefix. */
    static final int WIRE_MESSAGE = PAYLOAD + 3 + 6 + 5;
    static final long STREAM_WINDOW = 32;
    static final long SLACK = 8;
    static final long BOUND = 3 * (HTTP2_WINDOW / WIRE_MESSAGE) / 2 + STREAM_WINDOW + SLACK;
    static final int CONSUMED = 100; // one per 50 ms: 5 s

    private static final ObservedEcho observed = new ObservedEcho();
    private static SkeinNode node;
    private static ManagedChannel channel;
    private static ScheduledExecutorService ticker;

    @BeforeAll
    static void start() {
        node = TestNodes.node(observed.definition(), "pekko.loglevel = WARNING\n");
        channel = NettyChannelBuilder.forAddress(node.address().getHostString(), node.address().getPort())
                .usePlaintext()
                .flowControlWindow(HTTP2_WINDOW)
                .build();
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slow-consumer-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        try {
            ticker.shutdownNow();
            GrpcJava.close(channel);
        } finally {
            TestNodes.close(node);
        }
    }

    @Test
    void slowGrpcJavaConsumerHoldsTheSkeinProducerBack() throws Exception {
        AtomicLong consumed = new AtomicLong();
        AtomicLong maxAhead = new AtomicLong();
        AtomicReference<String> disorder = new AtomicReference<>();
        AtomicReference<ClientCallStreamObserver<RepeatRequest>> callRef = new AtomicReference<>();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        long start = System.nanoTime();
        EchoGrpc.newStub(channel).repeat(RepeatRequest.newBuilder().setMessage("slow").setCount(0)
                .setPayloadSize(PAYLOAD).build(), new ClientResponseObserver<RepeatRequest, EchoReply>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<RepeatRequest> call) {
                callRef.set(call);
                call.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(EchoReply reply) {
                long c = consumed.getAndIncrement();
                if (reply.getSeq() != c && disorder.get() == null) {
                    disorder.set("reply " + c + " has seq " + reply.getSeq());
                }
                long ahead = observed.produced.get() - (c + 1);
                maxAhead.accumulateAndGet(ahead, Math::max);
            }

            @Override
            public void onError(Throwable t) {
                closed.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                closed.complete(Status.OK);
            }
        });
        // One more message wanted every 50 ms, driven by a timer (never a sleep).
        AtomicLong requested = new AtomicLong(1);
        ScheduledFuture<?> pacing = ticker.scheduleAtFixedRate(() -> {
            if (requested.get() < CONSUMED) {
                requested.incrementAndGet();
                callRef.get().request(1);
            }
        }, 50, 50, TimeUnit.MILLISECONDS);
        try {
            Await.until(Duration.ofSeconds(30), () -> consumed.get() >= CONSUMED || closed.isDone(),
                    () -> CONSUMED + " replies consumed (have " + consumed.get() + ")");
        } finally {
            pacing.cancel(false);
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(!closed.isDone(), () -> "the stream ended early: " + closed.getNow(null));
        CallContext ctx = observed.nextCall(GrpcJava.TIMEOUT);
        long producedAtEnd = observed.produced.get();
        System.out.printf("grpc-java slow consumer: consumed %d in %d ms; produced %d; at most %d ahead (bound %d)%n",
                consumed.get(), elapsedMs, producedAtEnd, maxAhead.get(), BOUND);
        callRef.get().cancel("enough", null);
        assertEquals(Status.Code.CANCELLED, GrpcJava.await(closed).getCode());
        assertEquals(StatusCode.CANCELLED, ObservedEcho.termination(ctx, GrpcJava.TIMEOUT).code());

        assertEquals(null, disorder.get(), "replies out of order");
        assertEquals(CONSUMED, consumed.get());
        assertTrue(elapsedMs >= 4_000, "the consumer was not paced: " + elapsedMs + " ms");
        assertTrue(maxAhead.get() <= BOUND, "the server produced up to " + maxAhead.get()
                + " replies ahead of the grpc-java consumer; bound " + BOUND);
        assertTrue(producedAtEnd <= CONSUMED + BOUND, "produced " + producedAtEnd + " in all; bound "
                + (CONSUMED + BOUND));
        // The windows were really used: the producer ran ahead of the consumer by more than the stage's.
        assertTrue(maxAhead.get() >= STREAM_WINDOW, "producer never ran ahead: " + maxAhead.get());
    }
}
