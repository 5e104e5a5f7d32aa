package io.skein.actors.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.BoundService;
import io.skein.actors.CallMessage;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.UnaryCall;
import io.skein.actors.testproto.Greet;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerMethodHandler;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * When a service actor starts a call: as it takes the call's message from its mailbox, which ends the
 * call's queueing delay in the node; a call that ended while it waited there is not delivered at all.
 */
class CallStartTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final com.google.protobuf.Descriptors.ServiceDescriptor GREETER =
            Greet.getDescriptor().findServiceByName("Greeter");

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    sealed interface Command {
    }

    record Greet1(UnaryCall<Greet.Hello, Greet.Greeting> call) implements Command, CallMessage {
    }

    /** Keeps the actor busy until the latch opens, so that calls sent meanwhile wait in its mailbox. */
    record Busy(CountDownLatch started, CountDownLatch until) implements Command {
    }

    /** The greeter; it records every call it is handed, and whether the call had started by then. */
    private static Behavior<Command> greeter(Queue<String> handed) {
        return Behaviors.receive(Command.class)
                .onMessage(Greet1.class, m -> {
                    handed.add(m.call().request().getName() + (m.call().context().isStarted() ? "" : " (not started)"));
                    m.call().reply(Greet.Greeting.newBuilder().setText("hi " + m.call().request().getName()).build());
                    return Behaviors.same();
                })
                .onMessage(Busy.class, b -> {
                    b.started().countDown();
                    // A test actor held on purpose, bounded: the calls sent meanwhile queue in its mailbox.
                    b.until().await(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                    return Behaviors.same();
                })
                .build();
    }

    @SuppressWarnings("unchecked")
    private static ServerMethodHandler<Greet.Hello, Greet.Greeting> greet(BoundService bound) {
        for (ServerMethod<?, ?> m : bound.methods()) {
            if (m.descriptor().methodName().equals("Greet")) {
                return (ServerMethodHandler<Greet.Hello, Greet.Greeting>) m.handler();
            }
        }
        throw new AssertionError("no Greet");
    }

    private static CallContext context() {
        return new CallContext("skein.test.greet.Greeter/Greet", Metadata.EMPTY, 0, null);
    }

    private static Greet.Hello hello(String name) {
        return Greet.Hello.newBuilder().setName(name).build();
    }

    @Test
    void aCallStartsWhenTheActorTakesItFromItsMailboxAndItsWaitThereIsItsQueueingDelay() throws Exception {
        Queue<String> handed = new ConcurrentLinkedQueue<>();
        BoundService bound = ServiceDefinition.forBehavior(GREETER, greeter(handed)).unary("Greet", Greet1::new)
                .build().bind(testKit.system());
        var greet = greet(bound);
        assertTrue(greet.marksStart(), "the actor handler marks calls started itself");
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        bound.actor().unsafeUpcast().tell(new Busy(busy, release));
        assertTrue(busy.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS));

        CallContext waiting = context();
        CompletableFuture<Greet.Greeting> answer = greet.unary(hello("a"), waiting).toCompletableFuture();
        assertFalse(waiting.isStarted(), "still in the mailbox");
        assertTrue(waiting.queueingDelay().isEmpty());
        long releasedAfter = System.nanoTime() - waiting.admittedNanos();
        release.countDown();
        assertEquals("hi a", Await.result(answer, LIMIT).getText());
        assertTrue(waiting.isStarted());
        long delay = waiting.queueingDelay().orElseThrow().toNanos();
        assertTrue(delay >= releasedAfter, "waited at least until the actor was free: " + delay + " < " + releasedAfter);
        assertEquals("a", handed.poll(), "started before the behavior saw it");
    }

    @Test
    void aCallThatEndedWhileItWaitedIsNeverHandedToTheService() throws Exception {
        Queue<String> handed = new ConcurrentLinkedQueue<>();
        BoundService bound = ServiceDefinition.forBehavior(GREETER, greeter(handed)).unary("Greet", Greet1::new)
                .build().bind(testKit.system());
        var greet = greet(bound);
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        bound.actor().unsafeUpcast().tell(new Busy(busy, release));
        assertTrue(busy.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS));

        CallContext expired = context();
        greet.unary(hello("expired"), expired);
        // What the transport does when the deadline passes (or the caller cancels) while the call waits.
        assertTrue(expired.terminate(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded on the server")));
        CompletableFuture<Greet.Greeting> next = greet.unary(hello("next"), context()).toCompletableFuture();
        release.countDown();
        assertEquals("hi next", Await.result(next, LIMIT).getText());
        assertEquals("next", handed.poll(), "the expired call was skipped: " + handed);
        assertTrue(handed.isEmpty(), handed.toString());
        assertFalse(expired.isStarted());
    }

    @Test
    void callsToAnActorOfYourOwnStartAsTheyAreSent() throws Exception {
        Queue<String> handed = new ConcurrentLinkedQueue<>();
        var actor = testKit.spawn(greeter(handed));
        BoundService bound = ServiceDefinition.forActor(GREETER, actor).unary("Greet", Greet1::new).build()
                .bind(testKit.system());
        CallContext c = context();
        CompletableFuture<Greet.Greeting> answer = greet(bound).unary(hello("own"), c).toCompletableFuture();
        assertTrue(c.isStarted(), "no guard sees the actor's mailbox: started when sent");
        assertEquals("hi own", Await.result(answer, LIMIT).getText());
        assertEquals("own", handed.poll());
    }
}
