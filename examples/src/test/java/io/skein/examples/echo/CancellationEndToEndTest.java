package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.client.ServiceClient;
import io.skein.examples.testing.ProbeService;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.transport.CallContext;
import io.skein.transport.CallOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls ended early by either side: the client cancelling (the server sees CANCELLED, never
 * DEADLINE_EXCEEDED, even when the call had a deadline), and the server failing or ending its stream
 * (the client sees exactly the server's status).
 */
class CancellationEndToEndTest {

    private static final Duration BOUND = Duration.ofSeconds(5);
    /** Calls get a generous deadline, so that a cancel mistaken for an expiry would show. */
    private static final CallOptions WITH_DEADLINE = CallOptions.timeout(Duration.ofSeconds(30));

    private static SkeinNode echoServer;
    private static SkeinNode probeServer;
    private static ProbeService probe;
    private static ActorSystem<Void> client;
    private static ServiceClient echo;
    private static ServiceClient probed;
    private static Materializer mat;

    @BeforeAll
    static void start() {
        echoServer = TestNodes.echoNode();
        probe = new ProbeService();
        probeServer = TestNodes.node(probe.definition(), "");
        client = TestNodes.clientSystem("cancel-client", "");
        echo = TestNodes.echoClient(client, echoServer);
        probed = TestNodes.echoClient(client, probeServer);
        mat = Materializer.matFromSystem(client);
    }

    @AfterAll
    static void stop() {
        try {
            TestNodes.terminate(client);
        } finally {
            try {
                TestNodes.close(echoServer);
            } finally {
                TestNodes.close(probeServer);
            }
        }
    }

    @BeforeEach
    void forgetEarlierCalls() {
        probe.calls.clear();
        probe.streamEnds.clear();
    }

    private static Status serverOutcome(CallContext ctx) {
        return await(ctx.termination(), BOUND);
    }

    @Test
    void clientCancelsUnaryCallAndTheServerSeesCancelled() {
        CompletableFuture<EchoReply> call = probed.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("hang").build(), WITH_DEADLINE).toCompletableFuture();
        CallContext ctx = probe.nextCall(BOUND);
        assertTrue(ctx.hasDeadline());
        assertTrue(call.cancel(true), "cancel of a call in flight must succeed");
        assertFails(StatusCode.CANCELLED, call, BOUND);
        Status seen = serverOutcome(ctx);
        assertEquals(StatusCode.CANCELLED, seen.code(), "server saw " + seen);
        // The connection is fine afterwards.
        assertEquals("next", await(probed.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("next").build())).getMessage());
    }

    @Test
    void cancelAfterTheAnswerIsANoOp() {
        CompletableFuture<EchoReply> call = probed.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("quick").build(), WITH_DEADLINE).toCompletableFuture();
        assertEquals("quick", await(call).getMessage());
        CallContext ctx = probe.nextCall(BOUND);
        assertTrue(!call.cancel(true));
        assertEquals(StatusCode.OK, serverOutcome(ctx).code());
    }

    @Test
    void clientCancelsEndlessServerStreamAndTheServerSourceIsStopped() {
        List<EchoReply> five = await(probed.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setMessage("forever").setCount(0).build(), WITH_DEADLINE)
                .take(5)
                .runWith(Sink.seq(), mat));
        assertEquals(5, five.size());
        CallContext ctx = probe.nextCall(BOUND);
        CompletionStage<Done> serverSource = probe.nextStreamEnd(BOUND);
        Status seen = serverOutcome(ctx);
        assertEquals(StatusCode.CANCELLED, seen.code(), "server saw " + seen);
        DeadlineEndToEndTest.awaitEnded(serverSource);
    }

    @Test
    void clientCancelsBidiStreamAndTheServerSeesCancelled() {
        // Requests never end on their own; the client stops after 3 replies.
        List<EchoReply> three = await(Source.repeat(EchoRequest.newBuilder().setMessage("again").build())
                .via(probed.bidiStreaming("Chat", EchoRequest.class, EchoReply.class).call(WITH_DEADLINE))
                .take(3)
                .runWith(Sink.seq(), mat));
        assertEquals(List.of(0L, 1L, 2L), three.stream().map(EchoReply::getSeq).toList());
        CallContext ctx = probe.nextCall(BOUND);
        assertEquals(StatusCode.CANCELLED, serverOutcome(ctx).code());
        DeadlineEndToEndTest.awaitEnded(probe.nextStreamEnd(BOUND));
    }

    @Test
    void clientRequestStreamFailureCancelsTheCall() {
        CompletionStage<List<EchoReply>> run = Source.from(List.of("one", "boom"))
                .map(m -> {
                    if (m.equals("boom")) {
                        throw new IllegalStateException("client-side source broke");
                    }
                    return EchoRequest.newBuilder().setMessage(m).build();
                })
                .via(probed.bidiStreaming("Chat", EchoRequest.class, EchoReply.class).call(WITH_DEADLINE))
                .runWith(Sink.seq(), mat);
        StatusException e = assertFails(StatusCode.CANCELLED, run, BOUND);
        assertTrue(e.getMessage().contains("client-side source broke"), e.getMessage());
        assertEquals(StatusCode.CANCELLED, serverOutcome(probe.nextCall(BOUND)).code());
    }

    @Test
    void serverFailingItsStreamMidwayFailsTheClientWithThatStatus() {
        List<EchoReply> received = new CopyOnWriteArrayList<>();
        CompletionStage<Done> run = probed.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setMessage("fail:" + StatusCode.ABORTED.value()).setCount(3).build(),
                        WITH_DEADLINE)
                .runWith(Sink.foreach(received::add), mat);
        StatusException e = assertFails(StatusCode.ABORTED, run, BOUND);
        assertEquals("probe failed after 3", e.status().message());
        // Everything sent before the failure arrives before it.
        assertEquals(3, received.size());
        assertEquals(StatusCode.ABORTED, serverOutcome(probe.nextCall(BOUND)).code());
    }

    @Test
    void serverStreamThrowingMidwayFailsTheClientWithAGenericInternal() {
        List<EchoReply> received = new CopyOnWriteArrayList<>();
        CompletionStage<Done> run = probed.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setMessage("throw").setCount(2).build(), WITH_DEADLINE)
                .runWith(Sink.foreach(received::add), mat);
        StatusException e = assertFails(StatusCode.INTERNAL, run, BOUND);
        // A crash is answered generically: the exception's text stays on the server.
        assertEquals("internal error", e.status().message());
        assertEquals(2, received.size());
    }

    @Test
    void serverEndingBidiEarlyCompletesTheClientStreamOk() {
        // The client would send forever; the server completes its side at "stop".
        List<EchoReply> replies = await(Source.from(List.of("a", "b", "stop"))
                .concatLazy(Source.repeat("more"))
                .map(m -> EchoRequest.newBuilder().setMessage(m).build())
                .via(probed.bidiStreaming("Chat", EchoRequest.class, EchoReply.class).call(WITH_DEADLINE))
                .runWith(Sink.seq(), mat));
        assertEquals(List.of("a", "b"), replies.stream().map(EchoReply::getMessage).toList());
        assertEquals(StatusCode.OK, serverOutcome(probe.nextCall(BOUND)).code());
    }

    @Test
    void echoChatFailWithEndsTheClientStreamWithFailedPrecondition() {
        List<EchoReply> received = new CopyOnWriteArrayList<>();
        CompletionStage<Done> run = Source.from(List.of(
                        EchoRequest.newBuilder().setMessage("fine").build(),
                        EchoRequest.newBuilder().setMessage("not now").setFailWith(9).build(),
                        EchoRequest.newBuilder().setMessage("never answered").build()))
                .via(echo.bidiStreaming("Chat", EchoRequest.class, EchoReply.class).call(WITH_DEADLINE))
                .runWith(Sink.foreach(received::add), mat);
        StatusException e = assertFails(StatusCode.FAILED_PRECONDITION, run, BOUND);
        assertEquals("not now", e.status().message());
        assertEquals(List.of("fine"), received.stream().map(EchoReply::getMessage).toList());
    }

    @Test
    void manyCancelledCallsLeaveTheServerServing() throws Exception {
        // Cancel 50 hanging calls at once; every one must end CANCELLED on the server.
        List<CompletableFuture<EchoReply>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(probed.unary("Say", EchoRequest.class, EchoReply.class)
                    .call(EchoRequest.newBuilder().setMessage("hang").build(), WITH_DEADLINE).toCompletableFuture());
        }
        List<CallContext> contexts = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            contexts.add(probe.nextCall(BOUND));
        }
        calls.forEach(c -> c.cancel(true));
        CompletableFuture.allOf(contexts.stream().map(c -> c.termination().toCompletableFuture())
                .toArray(CompletableFuture[]::new)).get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        for (CallContext ctx : contexts) {
            assertEquals(StatusCode.CANCELLED, ctx.termination().toCompletableFuture().join().code());
        }
        assertEquals("still here", await(probed.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("still here").build())).getMessage());
    }
}
