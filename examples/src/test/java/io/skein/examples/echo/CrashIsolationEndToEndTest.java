package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.CallMessage;
import io.skein.actors.ServerStreamingCall;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.UnaryCall;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.testing.ProbeService;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A service that throws while handling one call fails exactly that call with INTERNAL; it is
 * restarted and goes on serving, including the calls already queued behind the bad one.
 */
class CrashIsolationEndToEndTest {

    /** The crashing actor's protocol. */
    sealed interface Command {
    }

    record Say(UnaryCall<EchoRequest, EchoReply> call) implements Command, CallMessage {
    }

    record Repeat(ServerStreamingCall<RepeatRequest, EchoReply> call) implements Command, CallMessage {
    }

    /** Counts (re)starts; its count of answered calls is per incarnation, so a restart shows. */
    static Behavior<Command> crashy(AtomicInteger starts) {
        return Behaviors.setup(ctx -> {
            starts.incrementAndGet();
            int[] answered = {0};
            return Behaviors.receive(Command.class)
                    .onMessage(Say.class, m -> {
                        if (m.call().request().getMessage().equals("boom")) {
                            throw new RuntimeException("boom requested");
                        }
                        m.call().reply(EchoReply.newBuilder().setMessage(m.call().request().getMessage())
                                .setSeq(++answered[0]).build());
                        return Behaviors.same();
                    })
                    .onMessage(Repeat.class, m -> {
                        if (m.call().request().getMessage().equals("boom")) {
                            throw new IllegalStateException("boom before streaming");
                        }
                        m.call().respond(Source.range(1, m.call().request().getCount())
                                .map(i -> EchoReply.newBuilder().setSeq(i).build()));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static final AtomicInteger STARTS = new AtomicInteger();
    private static SkeinNode actorServer;
    private static SkeinNode functionalServer;
    private static ActorSystem<Void> client;
    private static ServiceClient crashing;
    private static ServiceClient functional;
    private static Materializer mat;

    @BeforeAll
    static void start() {
        ServiceDefinition<Command> definition = ServiceDefinition.forBehavior(TestNodes.ECHO, crashy(STARTS))
                .unary("Say", Say::new)
                .serverStreaming("Repeat", Repeat::new)
                .build();
        actorServer = TestNodes.node(definition, "");
        functionalServer = TestNodes.node(new ProbeService().definition(), "");
        client = TestNodes.clientSystem("crash-client", "");
        crashing = TestNodes.echoClient(client, actorServer);
        functional = TestNodes.echoClient(client, functionalServer);
        mat = Materializer.matFromSystem(client);
    }

    @AfterAll
    static void stop() {
        try {
            TestNodes.terminate(client);
        } finally {
            try {
                TestNodes.close(actorServer);
            } finally {
                TestNodes.close(functionalServer);
            }
        }
    }

    private static EchoRequest req(String message) {
        return EchoRequest.newBuilder().setMessage(message).build();
    }

    @Test
    void actorThrowingFailsOnlyThatCallWithInternalAndKeepsServing() throws Exception {
        UnaryMethod<EchoRequest, EchoReply> say = crashing.unary("Say", EchoRequest.class, EchoReply.class);
        assertEquals("before", await(say.call(req("before"))).getMessage());
        int startsBefore = STARTS.get();

        StatusException e = assertFails(StatusCode.INTERNAL, say.call(req("boom")));
        assertTrue(e.status().message().contains("boom requested"), e.status().message());

        EchoReply after = await(say.call(req("after")));
        assertEquals("after", after.getMessage());
        assertEquals(1, after.getSeq(), "the actor was restarted, so its per-incarnation count starts again");
        assertEquals(startsBefore + 1, STARTS.get(), "exactly one restart");
    }

    @Test
    void callsQueuedBehindTheCrashStillSucceed() throws Exception {
        UnaryMethod<EchoRequest, EchoReply> say = crashing.unary("Say", EchoRequest.class, EchoReply.class);
        await(say.call(req("warm")));
        List<CompletableFuture<EchoReply>> calls = new ArrayList<>();
        for (int i = 0; i < 41; i++) {
            calls.add(say.call(req(i == 20 ? "boom" : "m" + i)).toCompletableFuture());
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).handle((v, err) -> v)
                .get(10, TimeUnit.SECONDS);
        for (int i = 0; i < calls.size(); i++) {
            if (i == 20) {
                assertFails(StatusCode.INTERNAL, calls.get(i), Duration.ofMillis(100));
            } else {
                assertEquals("m" + i, calls.get(i).join().getMessage(), "call " + i);
            }
        }
    }

    @Test
    void actorThrowingOnAStreamingCallFailsItWithInternal() {
        StatusException e = assertFails(StatusCode.INTERNAL,
                crashing.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                        .call(RepeatRequest.newBuilder().setMessage("boom").setCount(3).build())
                        .runWith(Sink.seq(), mat));
        assertTrue(e.status().message().contains("boom before streaming"), e.status().message());
        List<EchoReply> ok = await(crashing.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setCount(3).build()).runWith(Sink.seq(), mat));
        assertEquals(List.of(1L, 2L, 3L), ok.stream().map(EchoReply::getSeq).toList());
        assertEquals("fine", await(crashing.unary("Say", EchoRequest.class, EchoReply.class).call(req("fine")))
                .getMessage());
    }

    @Test
    void functionalLambdaThrowingFailsThatCallWithInternalAndKeepsServing() {
        UnaryMethod<EchoRequest, EchoReply> say = functional.unary("Say", EchoRequest.class, EchoReply.class);
        assertEquals("one", await(say.call(req("one"))).getMessage());
        StatusException e = assertFails(StatusCode.INTERNAL, say.call(req("throw")));
        assertTrue(e.status().message().contains("probe handler threw on purpose"), e.status().message());
        assertEquals("two", await(say.call(req("two"))).getMessage());
        // And repeatedly: every crash is isolated.
        for (int i = 0; i < 5; i++) {
            assertFails(StatusCode.INTERNAL, say.call(req("throw")));
            assertEquals("again" + i, await(say.call(req("again" + i))).getMessage());
        }
    }

    @Test
    void serviceFailingWithAStatusKeepsThatStatus() {
        // A deliberate failure is not a crash: its code is kept, not turned into INTERNAL.
        UnaryMethod<EchoRequest, EchoReply> say = functional.unary("Say", EchoRequest.class, EchoReply.class);
        StatusException e = assertFails(StatusCode.RESOURCE_EXHAUSTED,
                say.call(EchoRequest.newBuilder().setMessage("too much").setFailWith(8).build()));
        assertEquals("too much", e.status().message());
    }
}
