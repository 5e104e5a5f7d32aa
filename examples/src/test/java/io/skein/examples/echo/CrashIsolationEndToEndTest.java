package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.skein.actors.CallMessage;
import io.skein.actors.ServerStreamingCall;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.UnaryCall;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.testing.Calls;
import io.skein.examples.testing.ProbeService;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A service that throws while handling one call fails exactly that call with a generic INTERNAL (no
 * exception text or class crosses the wire), keeps its state and the streams it already serves
 * (resume by default), logs the crash once with the call's id, service and method, and goes on
 * serving; restart and stop are there when a service asks for them.
 */
class CrashIsolationEndToEndTest {

    /** The crashing actor's protocol: Say stores a message, Repeat with count 0 watches what is stored. */
    sealed interface Command {
    }

    record Say(UnaryCall<EchoRequest, EchoReply> call) implements Command, CallMessage {
    }

    record Repeat(ServerStreamingCall<RepeatRequest, EchoReply> call) implements Command, CallMessage {
    }

    /**
     * A small store: every Say appends its message and answers the version (1, 2, ...); a Repeat with
     * count 0 is a watch that receives every later message; "boom" throws in either.
     */
    static Behavior<Command> store(AtomicInteger starts) {
        return Behaviors.setup(ctx -> {
            starts.incrementAndGet();
            Materializer mat = Materializer.matFromSystem(ctx.getSystem());
            List<String> stored = new ArrayList<>();
            List<SourceQueueWithComplete<EchoReply>> watchers = new ArrayList<>();
            return Behaviors.receive(Command.class)
                    .onMessage(Say.class, m -> {
                        String message = m.call().request().getMessage();
                        if (message.equals("boom")) {
                            throw new IllegalStateException("secret detail: boom requested");
                        }
                        stored.add(message);
                        EchoReply reply = EchoReply.newBuilder().setMessage(message).setSeq(stored.size()).build();
                        watchers.forEach(w -> w.offer(reply));
                        m.call().reply(reply);
                        return Behaviors.same();
                    })
                    .onMessage(Repeat.class, m -> {
                        if (m.call().request().getMessage().equals("boom")) {
                            throw new IllegalStateException("secret detail: boom before streaming");
                        }
                        if (m.call().request().getCount() > 0) {
                            m.call().respond(Source.range(1, m.call().request().getCount())
                                    .map(i -> EchoReply.newBuilder().setSeq(i).build()));
                        } else {
                            Pair<SourceQueueWithComplete<EchoReply>, Source<EchoReply, org.apache.pekko.NotUsed>> q =
                                    Source.<EchoReply>queue(64, OverflowStrategy.dropHead()).preMaterialize(mat);
                            watchers.add(q.first());
                            m.call().respond(q.second());
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static final AtomicInteger STARTS = new AtomicInteger();
    private static final AtomicInteger RESTARTING_STARTS = new AtomicInteger();
    private static SkeinNode resuming;
    private static SkeinNode restarting;
    private static SkeinNode stopping;
    private static SkeinNode functionalServer;
    private static ActorSystem<Void> client;
    private static ServiceClient crashing;
    private static ServiceClient functional;
    private static Materializer mat;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void start() {
        resuming = TestNodes.node(definition(STARTS).build(), "");
        restarting = TestNodes.node(definition(RESTARTING_STARTS).onFailure(SupervisorStrategy.restart()).build(), "");
        stopping = TestNodes.node(definition(new AtomicInteger()).onFailure(SupervisorStrategy.stop()).build(), "");
        functionalServer = TestNodes.node(new ProbeService().definition(), "");
        client = TestNodes.clientSystem("crash-client", "");
        crashing = TestNodes.echoClient(client, resuming);
        functional = TestNodes.echoClient(client, functionalServer);
        mat = Materializer.matFromSystem(client);
    }

    private static ServiceDefinition.Builder<Command> definition(AtomicInteger starts) {
        return ServiceDefinition.forBehavior(TestNodes.ECHO, store(starts))
                .unary("Say", Say::new)
                .serverStreaming("Repeat", Repeat::new);
    }

    @AfterAll
    static void stop() {
        try {
            TestNodes.terminate(client);
        } finally {
            for (SkeinNode node : List.of(resuming, restarting, stopping, functionalServer)) {
                TestNodes.close(node);
            }
        }
    }

    @BeforeEach
    void captureLogs() {
        logs.start();
        root().addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        root().detachAppender(logs);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private static EchoRequest req(String message) {
        return EchoRequest.newBuilder().setMessage(message).build();
    }

    private static void assertGeneric(StatusException e) {
        String text = e.status().message();
        assertFalse(text.contains("secret") || text.contains("boom") || text.contains("Exception"), text);
    }

    /** The log events that carry the crash {@code detail}: the crash is logged exactly once. */
    private List<ILoggingEvent> crashLogs(String detail) {
        List<ILoggingEvent> found = new CopyOnWriteArrayList<>();
        for (ILoggingEvent event : List.copyOf(logs.list)) {
            for (var t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                if (t.getMessage() != null && t.getMessage().contains(detail)) {
                    found.add(event);
                    break;
                }
            }
        }
        return found;
    }

    @Test
    void aCrashFailsOnlyThatCallGenericallyAndTheActorKeepsItsState() {
        UnaryMethod<EchoRequest, EchoReply> say = crashing.unary("Say", EchoRequest.class, EchoReply.class);
        long before = await(say.call(req("before"))).getSeq();
        int startsBefore = STARTS.get();

        assertGeneric(assertFails(StatusCode.INTERNAL, say.call(req("boom"))));

        assertEquals(before + 1, await(say.call(req("after"))).getSeq(), "the store kept its data: versions go on");
        assertEquals(startsBefore, STARTS.get(), "resumed, not restarted");
    }

    @Test
    void aCrashIsLoggedOnceWithTheCallIdServiceAndMethod() {
        UnaryMethod<EchoRequest, EchoReply> say = crashing.unary("Say", EchoRequest.class, EchoReply.class);
        assertFails(StatusCode.INTERNAL, say.call(req("boom")));
        Await.until(Duration.ofSeconds(10), () -> !crashLogs("boom requested").isEmpty(), () -> "the crash is logged");
        await(say.call(req("settle"))); // a later call on the same actor: any second log line would be there by now
        List<ILoggingEvent> events = crashLogs("boom requested");
        assertEquals(1, events.size(), () -> events.toString());
        String line = events.get(0).getFormattedMessage();
        assertTrue(line.matches("(?s)call #\\d+ skein\\.examples\\.echo\\.Echo/Say .*"), line);
    }

    @Test
    void anOpenStreamKeepsFlowingAcrossACrash() {
        UnaryMethod<EchoRequest, EchoReply> say = crashing.unary("Say", EchoRequest.class, EchoReply.class);
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletionStage<Done> watch = crashing
                .serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setCount(0).build())
                .takeWhile(r -> !r.getMessage().equals("last"), true)
                .runForeach(r -> seen.add(r.getMessage()), mat);
        // The watch is registered once a stored message reaches it; store until one does (bounded).
        AtomicInteger n = new AtomicInteger();
        Await.until(Duration.ofSeconds(10), () -> {
            await(say.call(req("w" + n.incrementAndGet())));
            return !seen.isEmpty();
        }, () -> "the watch receives stored messages");

        assertFails(StatusCode.INTERNAL, say.call(req("boom")));
        await(say.call(req("after-crash")));
        await(say.call(req("last")));

        await(watch);
        assertTrue(seen.containsAll(List.of("after-crash", "last")), seen.toString());
        assertFalse(seen.contains("boom"), seen.toString());
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
                assertGeneric(assertFails(StatusCode.INTERNAL, calls.get(i)));
            } else {
                assertEquals("m" + i, calls.get(i).join().getMessage(), "call " + i);
            }
        }
    }

    @Test
    void aCrashBeforeAStreamStartsFailsItGenerically() {
        assertGeneric(assertFails(StatusCode.INTERNAL,
                crashing.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                        .call(RepeatRequest.newBuilder().setMessage("boom").setCount(3).build())
                        .runWith(Sink.seq(), mat)));
        List<EchoReply> ok = await(crashing.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setCount(3).build()).runWith(Sink.seq(), mat));
        assertEquals(List.of(1L, 2L, 3L), ok.stream().map(EchoReply::getSeq).toList());
    }

    @Test
    void aServiceThatChoseRestartStartsAfreshAfterACrash() {
        UnaryMethod<EchoRequest, EchoReply> say = TestNodes.echoClient(client, restarting)
                .unary("Say", EchoRequest.class, EchoReply.class);
        await(say.call(req("one")));
        await(say.call(req("two")));
        int startsBefore = RESTARTING_STARTS.get();
        assertGeneric(assertFails(StatusCode.INTERNAL, say.call(req("boom"))));
        assertEquals(1, await(say.call(req("fresh"))).getSeq(), "restarted: the store begins again");
        assertEquals(startsBefore + 1, RESTARTING_STARTS.get());
    }

    @Test
    void aServiceThatChoseStopRefusesLaterCallsAsUnavailable() {
        UnaryMethod<EchoRequest, EchoReply> say = TestNodes.echoClient(client, stopping)
                .unary("Say", EchoRequest.class, EchoReply.class);
        await(say.call(req("one")));
        assertGeneric(assertFails(StatusCode.INTERNAL, say.call(req("boom"))));
        Await.until(Duration.ofSeconds(10), () -> {
            // A deadline covers a call that raced the stop into the dead actor's mailbox.
            Throwable failure = say.call(req("later"), CallOptions.timeout(Duration.ofSeconds(2)))
                    .toCompletableFuture().handle((reply, error) -> error).join();
            return failure != null && Calls.statusOf(failure).status().code() == StatusCode.UNAVAILABLE;
        }, () -> "calls to the stopped service end UNAVAILABLE");
    }

    @Test
    void aThrowingFunctionFailsThatCallGenericallyAndKeepsServing() {
        UnaryMethod<EchoRequest, EchoReply> say = functional.unary("Say", EchoRequest.class, EchoReply.class);
        assertEquals("one", await(say.call(req("one"))).getMessage());
        assertGeneric(assertFails(StatusCode.INTERNAL, say.call(req("throw"))));
        assertEquals("two", await(say.call(req("two"))).getMessage());
        for (int i = 0; i < 5; i++) {
            assertFails(StatusCode.INTERNAL, say.call(req("throw")));
            assertEquals("again" + i, await(say.call(req("again" + i))).getMessage());
        }
    }

    @Test
    void aStatusTheServiceRaisedOnPurposeKeepsItsCodeAndMessage() {
        UnaryMethod<EchoRequest, EchoReply> say = functional.unary("Say", EchoRequest.class, EchoReply.class);
        StatusException e = assertFails(StatusCode.RESOURCE_EXHAUSTED,
                say.call(EchoRequest.newBuilder().setMessage("too much").setFailWith(8).build()));
        assertEquals("too much", e.status().message());
    }
}
