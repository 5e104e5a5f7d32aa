package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.client.ServiceClient;
import io.skein.testing.Await;
import io.skein.examples.testing.ChildJvm;
import io.skein.examples.testing.ProbeService;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.transport.CallContext;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that dies in the middle of a stream: the other side's call ends promptly with UNAVAILABLE
 * (or CANCELLED when the dying client still managed to say so), never hangs, and a server keeps
 * serving new calls.
 */
class PeerDeathEndToEndTest {

    private static final Duration BOUND = Duration.ofSeconds(5);
    /** Terminating the actor system stops everything at once: no coordinated shutdown, no drain. */
    private static final String ABRUPT = "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n";

    private SkeinNode server;
    private ActorSystem<Void> client;
    private ActorSystem<Void> otherClient;
    private ChildJvm child;

    @AfterEach
    void stop() {
        try {
            if (child != null) {
                child.close();
            }
            TestNodes.terminate(client);
            TestNodes.terminate(otherClient);
        } finally {
            TestNodes.close(server);
        }
    }

    /** Consumes an endless Repeat and counts the replies; returns the stream's completion. */
    private static CompletionStage<Done> consumeForever(ServiceClient echo, AtomicLong received, Materializer mat) {
        return echo.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setMessage("forever").setCount(0).setIntervalMs(10).build())
                .runWith(Sink.foreach(r -> received.incrementAndGet()), mat);
    }

    @Test
    void serverSystemTerminatedMidStreamFailsTheClientWithUnavailable() {
        server = TestNodes.echoNode(ABRUPT);
        client = TestNodes.clientSystem("peer-death-client", "");
        ServiceClient echo = TestNodes.echoClient(client, server);
        AtomicLong received = new AtomicLong();
        CompletionStage<Done> stream = consumeForever(echo, received, Materializer.matFromSystem(client));
        Await.until(BOUND, () -> received.get() >= 5, () -> "replies flowing, got " + received.get());

        server.system().terminate();

        StatusException e = assertFails(StatusCode.UNAVAILABLE, stream, BOUND);
        assertTrue(received.get() >= 5, e.toString());
        // New calls to the dead server fail fast with UNAVAILABLE too, rather than hanging.
        assertFails(StatusCode.UNAVAILABLE, echo.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("anyone?").build()), BOUND);
    }

    @Test
    void serverProcessKilledMidStreamFailsTheClientWithUnavailable() {
        // A real crash: SIGKILL of a server JVM, so nothing is said on the wire before the socket dies.
        child = ChildJvm.start("serve", "--port", "0", "--host", "127.0.0.1");
        Matcher m = Pattern.compile("listening on (\\S+):(\\d+)").matcher(
                child.awaitLine(l -> l.startsWith("listening on "), Duration.ofSeconds(60)));
        assertTrue(m.find());
        client = TestNodes.clientSystem("peer-kill-client", "");
        ServiceClient echo = ServiceClient.create(client,
                io.skein.transport.EndpointChannel.create(client, m.group(1), Integer.parseInt(m.group(2))), TestNodes.ECHO);
        AtomicLong received = new AtomicLong();
        CompletionStage<Done> stream = consumeForever(echo, received, Materializer.matFromSystem(client));
        Await.until(Duration.ofSeconds(30), () -> received.get() >= 5, () -> "replies flowing, got " + received.get());

        child.process().destroyForcibly(); // SIGKILL

        assertFails(StatusCode.UNAVAILABLE, stream, BOUND);
    }

    @Test
    void clientSystemTerminatedMidStreamEndsTheServerCallAndTheServerKeepsServing() {
        ProbeService probe = new ProbeService();
        server = TestNodes.node(probe.definition(), "");
        client = TestNodes.clientSystem("dying-client", ABRUPT);
        AtomicLong received = new AtomicLong();
        CompletionStage<Done> stream = consumeForever(TestNodes.echoClient(client, server), received,
                Materializer.matFromSystem(client));
        CallContext ctx = probe.nextCall(BOUND);
        CompletionStage<Done> serverSource = probe.nextStreamEnd(BOUND);
        Await.until(BOUND, () -> received.get() >= 5, () -> "replies flowing, got " + received.get());

        client.terminate();

        Status seen = await(ctx.termination(), BOUND);
        assertTrue(Set.of(StatusCode.CANCELLED, StatusCode.UNAVAILABLE).contains(seen.code()), "server saw " + seen);
        DeadlineEndToEndTest.awaitEnded(serverSource);

        // Another client is served as usual.
        otherClient = TestNodes.clientSystem("next-client", "");
        ServiceClient next = TestNodes.echoClient(otherClient, server);
        assertEquals("still serving", await(next.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("still serving").build())).getMessage());
        assertEquals(3, await(next.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setCount(3).build())
                .runWith(Sink.seq(), Materializer.matFromSystem(otherClient))).size());
    }

    @Test
    void clientProcessKilledMidStreamEndsTheServerCallWithUnavailable() {
        // A real client crash: the CLI streaming an endless Repeat from this JVM's server, then SIGKILL.
        ProbeService probe = new ProbeService();
        server = TestNodes.node(probe.definition(), "");
        child = ChildJvm.start("call", server.target(), "skein.examples.echo.Echo/Repeat",
                "{\"message\":\"forever\",\"intervalMs\":10}");
        CallContext ctx = probe.nextCall(Duration.ofSeconds(60));
        CompletionStage<Done> serverSource = probe.nextStreamEnd(BOUND);
        child.awaitLine(l -> l.contains("forever"), Duration.ofSeconds(30));

        child.process().destroyForcibly(); // SIGKILL: the socket just dies

        Status seen = await(ctx.termination(), BOUND);
        assertEquals(StatusCode.UNAVAILABLE, seen.code(), "server saw " + seen);
        DeadlineEndToEndTest.awaitEnded(serverSource);

        otherClient = TestNodes.clientSystem("next-client", "");
        assertEquals("still serving", await(TestNodes.echoClient(otherClient, server)
                .unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("still serving").build())).getMessage());
    }
}
