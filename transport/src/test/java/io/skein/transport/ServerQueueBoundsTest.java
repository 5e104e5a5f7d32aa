package io.skein.transport;

import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.testing.Await;
import io.skein.transport.internal.connection.ServerActor;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.StringMarshaller;
import io.skein.transport.testing.TestServices;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The bounded queues inside a real server ({@code skein.transport.server-queues}) over real sockets: the
 * calls waiting for a service never exceed their bound and the ones past it are refused before their
 * request is decoded; a peer that does not read its answers cannot grow its connection's write queue past
 * the bound by more than one answer; and through all of it every call gets exactly one answer.
 */
class ServerQueueBoundsTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final int QUEUE_BOUND = 5;
    private static final int WRITE_BOUND = 128 * 1024;
    private static final String HOLD = "test.Held/Hold";
    private static final String BIG = "test.Big/Big";
    private static final int BIG_ANSWER = 256 * 1024;

    private static ActorTestKit testKit;
    private final BlockingQueue<Held> held = new LinkedBlockingQueue<>();
    private final AtomicInteger decoded = new AtomicInteger();
    private RpcServer server;
    private EndpointChannel nativeChannel;
    private EndpointChannel grpcChannel;

    /** A call the HOLD service has (not yet started, not yet answered). */
    private record Held(String request, CallContext context, CompletableFuture<String> answer) {
        void startAndAnswer() {
            context.markStarted();
            answer.complete("done " + request);
        }
    }

    @BeforeAll
    static void startKit() {
        testKit = ActorTestKit.create("ServerQueueBoundsTest", Servers.config("""
                skein.transport {
                  write-buffer-low-water-mark = 16 KiB
                  write-buffer-high-water-mark = 64 KiB
                  server-queues { max-queued-calls-per-service = 5, max-write-queue-per-connection = 128 KiB }
                }
                """));
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void start() {
        StringMarshaller strings = StringMarshaller.INSTANCE;
        Marshaller<String> counting = new Marshaller<>() {
            @Override
            public String parse(ByteBuf buffer) {
                decoded.incrementAndGet();
                return strings.parse(buffer);
            }

            @Override
            public ByteBuf serialize(String value, ByteBufAllocator allocator) {
                return strings.serialize(value, allocator);
            }
        };
        ServerMethodHandler<String, String> hold = new ServerMethodHandler<>() {
            @Override
            public CompletionStage<String> unary(String request, CallContext context) {
                CompletableFuture<String> answer = new CompletableFuture<>();
                held.add(new Held(request, context, answer));
                return answer;
            }

            @Override
            public Source<String, ?> streaming(Source<String, NotUsed> requests, CallContext context) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean marksStart() {
                return true; // a call waits "in the service's queue" until the test starts it
            }
        };
        ServerMethodHandler<String, String> big = new ServerMethodHandler<>() {
            @Override
            public CompletionStage<String> unary(String request, CallContext context) {
                return CompletableFuture.completedFuture(request + "x".repeat(BIG_ANSWER));
            }

            @Override
            public Source<String, ?> streaming(Source<String, NotUsed> requests, CallContext context) {
                throw new UnsupportedOperationException();
            }
        };
        List<ServerMethod<?, ?>> methods = new ArrayList<>(TestServices.echo().build().methods());
        methods.add(new ServerMethod<>(new MethodDescriptor<>(HOLD, CallKind.UNARY, counting, strings), hold));
        methods.add(new ServerMethod<>(new MethodDescriptor<>(BIG, CallKind.UNARY, strings, strings), big));
        server = Servers.start(testKit.system(), MethodRegistry.of(methods));
        nativeChannel = EndpointChannel.create(testKit.system(), server.localAddress());
        grpcChannel = EndpointChannel.grpc(testKit.system(), server.localAddress());
    }

    @AfterEach
    void stop() {
        held.forEach(Held::startAndAnswer);
        Await.result(nativeChannel.closeAsync(), LIMIT);
        Await.result(grpcChannel.closeAsync(), LIMIT);
        Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
    }

    private EndpointChannel channel(String protocol) {
        return protocol.equals("grpc") ? grpcChannel : nativeChannel;
    }

    private static MethodDescriptor<String, String> hold() {
        return TestServices.method(HOLD, CallKind.UNARY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void callsWaitingForAServiceNeverExceedItsBoundAndTheRestAreRefusedUndecoded(String protocol) throws Exception {
        EndpointChannel channel = channel(protocol);
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(channel.unary(hold(), "c" + i, CallOptions.DEFAULT).toCompletableFuture());
        }
        Await.until(LIMIT, () -> held.size() == QUEUE_BOUND && calls.stream().filter(CompletableFuture::isDone).count()
                == 20 - QUEUE_BOUND, () -> held.size() + " held, " + server.queues());
        for (CompletableFuture<String> c : calls) {
            if (c.isDone()) {
                StatusException refused = (StatusException) Await.failure(c, LIMIT);
                assertEquals(StatusCode.RESOURCE_EXHAUSTED, refused.code());
                assertTrue(refused.status().message().contains("wait for test.Held"), refused.status().message());
            }
        }
        ServerQueueStats.Service queue = server.queues().service("test.Held");
        assertEquals(QUEUE_BOUND, queue.queued());
        assertEquals(QUEUE_BOUND, queue.peak(), "never more than the bound");
        assertEquals(20 - QUEUE_BOUND, queue.refused());
        assertEquals(QUEUE_BOUND, decoded.get(), "refused calls were never decoded");
        // Another service is not held up by this one's queue.
        assertEquals("e", Await.result(channel.unary(TestServices.method(TestServices.ECHO, CallKind.UNARY), "e",
                CallOptions.DEFAULT), LIMIT));

        for (Held h = held.poll(); h != null; h = held.poll()) {
            h.startAndAnswer();
        }
        Map<String, Integer> answers = new HashMap<>();
        for (CompletableFuture<String> c : calls) {
            if (!c.isCompletedExceptionally()) {
                answers.merge(Await.result(c, LIMIT), 1, Integer::sum);
            }
        }
        assertEquals(QUEUE_BOUND, answers.size(), "each held call answered once: " + answers);
        assertTrue(answers.values().stream().allMatch(n -> n == 1), answers.toString());
        Await.until(LIMIT, () -> server.queues().service("test.Held").queued() == 0);
        CompletableFuture<String> again = channel.unary(hold(), "again", CallOptions.DEFAULT).toCompletableFuture();
        Held next = held.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(next, "room again once the queue drained");
        next.startAndAnswer();
        assertEquals("done again", Await.result(again, LIMIT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void aCallThatEndsWhileWaitingLeavesTheQueueAndNeverStarts(String protocol) throws Exception {
        EndpointChannel channel = channel(protocol);
        // Connected first, so that the deadline below is spent waiting in the server, not for a connection.
        assertEquals("up", Await.result(channel.unary(TestServices.method(TestServices.ECHO, CallKind.UNARY), "up",
                CallOptions.DEFAULT), LIMIT));
        CompletableFuture<String> expiring = channel.unary(hold(), "late", CallOptions.timeout(Duration.ofSeconds(2)))
                .toCompletableFuture();
        Held late = held.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(late);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, codeOf(Await.failure(expiring, LIMIT)));
        CompletableFuture<String> cancelled = channel.unary(hold(), "gone", CallOptions.DEFAULT).toCompletableFuture();
        Held gone = held.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(gone);
        cancelled.cancel(true);
        Await.until(LIMIT, () -> gone.context().isDone() && late.context().isDone());
        Await.until(LIMIT, () -> server.queues().service("test.Held").queued() == 0, () -> server.queues().toString());
        assertFalse(late.context().markStarted(), "nobody waits for it: it never starts");
        assertFalse(gone.context().markStarted());
        assertTrue(late.context().queueingDelay().isEmpty());
    }

    @Test
    void aPeerThatDoesNotReadItsAnswersCannotGrowTheWriteQueuePastTheBoundAndGetsEveryAnswerOnceItReads() {
        int calls = 200;
        try (RawClient peer = RawClient.connect(server.localAddress(), 4096)) {
            // 200 calls asking for 256 KiB each (50 MiB), and no answer read: kernel buffers fill, then the
            // server's own queue; past 128 KiB it refuses new calls and stops reading the connection.
            for (int id = 1; id <= calls; id++) {
                peer.write(new SkeinFrame.UnaryRequest(id, BIG, Metadata.EMPTY, 0, RawClient.utf8(id + ":")));
            }
            Await.until(LIMIT, () -> server.queues().writeQueue().refused() > 0, () -> "no refusal: " + server.queues());
            ServerActor.Load load = Servers.load(server);
            // The queue may exceed the bound only by what was admitted at or under it: one answer.
            assertTrue(load.peakQueuedWriteBytes() <= WRITE_BOUND + BIG_ANSWER + 64 * 1024,
                    "peak write queue " + load.peakQueuedWriteBytes());

            Map<Integer, Status> answers = new HashMap<>();
            int ok = 0;
            while (answers.size() < calls) {
                SkeinFrame.UnaryResponse r = peer.read(SkeinFrame.UnaryResponse.class, LIMIT);
                assertTrue(answers.put(r.streamId(), r.status()) == null, "two answers for call " + r.streamId());
                if (r.status().isOk()) {
                    ok++;
                    String text = RawClient.text(r);
                    assertEquals(r.streamId() + ":" + "x".repeat(BIG_ANSWER), text);
                } else {
                    assertEquals(StatusCode.RESOURCE_EXHAUSTED, r.status().code(), r.status().toString());
                    assertTrue(r.status().message().contains("write queue"), r.status().message());
                }
            }
            assertTrue(ok > 0, "some calls were served");
            assertTrue(Servers.load(server).peakQueuedWriteBytes() <= WRITE_BOUND + BIG_ANSWER + 64 * 1024,
                    "peak write queue " + Servers.load(server).peakQueuedWriteBytes());
            // And the connection serves on.
            peer.write(new SkeinFrame.UnaryRequest(calls + 1, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("on")));
            SkeinFrame.UnaryResponse last = peer.read(SkeinFrame.UnaryResponse.class, LIMIT);
            assertTrue(last.status().isOk(), last.status().toString());
            assertEquals("on", RawClient.text(last));
        }
    }
}
