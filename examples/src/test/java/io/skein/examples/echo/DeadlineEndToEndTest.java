package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deadlines end calls with DEADLINE_EXCEEDED on both sides, promptly, and are never reported as
 * cancellations.
 */
class DeadlineEndToEndTest {

    private static final Duration SERVER_SIDE_BOUND = Duration.ofSeconds(5);

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
        client = TestNodes.clientSystem("deadline-client", "");
        echo = TestNodes.echoClient(client, echoServer);
        probed = TestNodes.echoClient(client, probeServer);
        mat = Materializer.matFromSystem(client);
        // Connect (and warm up) first: a deadline shorter than the first connect would expire on the
        // client before the call is even sent, and the server-side assertions need the call to arrive.
        for (ServiceClient c : List.of(echo, probed)) {
            await(c.unary("Say", EchoRequest.class, EchoReply.class).call(EchoRequest.newBuilder().setMessage("warm").build()));
        }
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

    @Test
    void slowUnaryCallFailsWithDeadlineExceededWithinItsBudget() {
        long start = System.nanoTime();
        StatusException e = assertFails(StatusCode.DEADLINE_EXCEEDED,
                echo.unary("Say", EchoRequest.class, EchoReply.class).call(
                        EchoRequest.newBuilder().setMessage("slow").setDelayMs(2000).build(),
                        CallOptions.timeout(Duration.ofMillis(200))),
                Duration.ofSeconds(10));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        // Never early; DEADLINE_EXCEEDED itself shows it fired before the 2 s reply.
        assertTrue(elapsedMs >= 190, "failed before its deadline: " + elapsedMs + " ms, " + e.status());
    }

    @Test
    void endlessServerStreamFailsWithDeadlineExceeded() {
        List<EchoReply> received = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        CompletionStage<Done> run = echo.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setMessage("tick").setCount(0).setIntervalMs(50).build(),
                        CallOptions.timeout(Duration.ofMillis(300)))
                .runWith(Sink.foreach(received::add), mat);
        assertFails(StatusCode.DEADLINE_EXCEEDED, run, Duration.ofSeconds(10));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMs >= 290, "deadline of 300 ms fired early, after " + elapsedMs + " ms");
        // The stream did flow until the deadline (about 6 replies at one per 50 ms on a quiet machine).
        assertTrue(received.size() >= 1, "no reply before the deadline");
        for (int i = 0; i < received.size(); i++) {
            assertEquals(i, received.get(i).getSeq());
        }
    }

    @Test
    void serverSeesTheUnaryDeadlineAsDeadlineExceeded() {
        CompletionStage<EchoReply> call = probed.unary("Say", EchoRequest.class, EchoReply.class).call(
                EchoRequest.newBuilder().setMessage("hang").build(), CallOptions.timeout(Duration.ofMillis(200)));
        CallContext ctx = probe.nextCall(SERVER_SIDE_BOUND);
        assertTrue(ctx.hasDeadline(), "the deadline did not reach the server");
        assertTrue(ctx.timeRemaining().orElseThrow().toMillis() <= 200);
        assertFails(StatusCode.DEADLINE_EXCEEDED, call, Duration.ofSeconds(2));
        Status seen = await(ctx.termination(), SERVER_SIDE_BOUND);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, seen.code(), "server saw " + seen);
        assertTrue(ctx.isCancelled());
    }

    @Test
    void serverSeesTheStreamingDeadlineAsDeadlineExceeded() {
        CompletionStage<Done> run = probed.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setCount(0).setIntervalMs(50).build(),
                        CallOptions.timeout(Duration.ofMillis(300)))
                .runWith(Sink.ignore(), mat);
        CallContext ctx = probe.nextCall(SERVER_SIDE_BOUND);
        assertTrue(ctx.hasDeadline());
        CompletionStage<Done> serverStream = probe.nextStreamEnd(SERVER_SIDE_BOUND);
        assertFails(StatusCode.DEADLINE_EXCEEDED, run, Duration.ofSeconds(2));
        Status seen = await(ctx.termination(), SERVER_SIDE_BOUND);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, seen.code(), "server saw " + seen);
        // The service's source was stopped, not left running.
        awaitEnded(serverStream);
    }

    @Test
    void serverSeesTheBidiDeadlineAsDeadlineExceeded() {
        // The client never finishes sending: only the deadline ends this call.
        CompletionStage<Done> run = Source.<EchoRequest>maybe()
                .via(probed.bidiStreaming("Chat", EchoRequest.class, EchoReply.class)
                        .call(CallOptions.timeout(Duration.ofMillis(300))))
                .runWith(Sink.ignore(), mat);
        CallContext ctx = probe.nextCall(SERVER_SIDE_BOUND);
        assertFails(StatusCode.DEADLINE_EXCEEDED, run, Duration.ofSeconds(2));
        assertEquals(StatusCode.DEADLINE_EXCEEDED, await(ctx.termination(), SERVER_SIDE_BOUND).code());
    }

    @Test
    void callsWithoutTimeoutCarryNoDeadline() {
        await(probed.unary("Say", EchoRequest.class, EchoReply.class).call(EchoRequest.newBuilder().setMessage("x").build()));
        CallContext ctx = probe.nextCall(SERVER_SIDE_BOUND);
        assertFalse(ctx.hasDeadline());
        assertTrue(ctx.timeRemaining().isEmpty());
        assertEquals(StatusCode.OK, await(ctx.termination()).code());
    }

    @Test
    void callFinishingWithinItsDeadlineSucceeds() {
        EchoReply reply = await(echo.unary("Say", EchoRequest.class, EchoReply.class).call(
                EchoRequest.newBuilder().setMessage("in time").setDelayMs(50).build(),
                CallOptions.timeout(Duration.ofSeconds(5))));
        assertEquals("in time", reply.getMessage());
    }

    /** Completion of a watchTermination future: a cancelled source may report Done or the cancel cause. */
    static void awaitEnded(CompletionStage<Done> end) {
        try {
            end.toCompletableFuture().handle((d, e) -> true).get(SERVER_SIDE_BOUND.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the server's response source was not stopped within " + SERVER_SIDE_BOUND, e);
        }
    }
}
