package io.skein.actors.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.BoundService;
import io.skein.actors.CallMessage;
import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.UnaryCall;
import io.skein.actors.testproto.Greet;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallContext;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerMethodHandler;
import java.time.Duration;
import io.skein.testing.Await;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Binding services to actors, without sockets: the call path from the transport's handler to the actor. */
class ServiceBinderTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
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

    record Stop() implements Command {
    }

    private static Behavior<Command> greeter() {
        return Behaviors.receive(Command.class)
                .onMessage(Greet1.class, m -> {
                    if (m.call().request().getName().equals("boom")) {
                        throw new IllegalStateException("boom");
                    }
                    m.call().reply(Greet.Greeting.newBuilder().setText("hi " + m.call().request().getName()).build());
                    return Behaviors.same();
                })
                .onMessage(Stop.class, s -> Behaviors.stopped())
                .build();
    }

    private static CallContext context() {
        return new CallContext("skein.test.greet.Greeter/Greet", Metadata.EMPTY, 0, null);
    }

    @SuppressWarnings("unchecked")
    private static ServerMethodHandler<Greet.Hello, Greet.Greeting> handler(BoundService bound, String method) {
        for (ServerMethod<?, ?> m : bound.methods()) {
            if (m.descriptor().methodName().equals(method)) {
                return (ServerMethodHandler<Greet.Hello, Greet.Greeting>) m.handler();
            }
        }
        throw new AssertionError("no method " + method);
    }

    private static Greet.Hello hello(String name) {
        return Greet.Hello.newBuilder().setName(name).build();
    }

    @Test
    void aSpawnedServiceRunsOnTheServiceDispatcherWhichItsMethodsOfferForHandOvers() throws Exception {
        AtomicReference<String> servedOn = new AtomicReference<>();
        Behavior<Command> recording = Behaviors.receive(Command.class)
                .onMessage(Greet1.class, m -> {
                    servedOn.set(Thread.currentThread().getName());
                    m.call().reply(Greet.Greeting.newBuilder().setText("hi " + m.call().request().getName()).build());
                    return Behaviors.same();
                })
                .build();
        BoundService bound = ServiceDefinition.forBehavior(GREETER, recording).unary("Greet", Greet1::new).build()
                .bind(testKit.system());
        var greet = handler(bound, "Greet");
        Executor executor = greet.executor();
        assertNotNull(executor, "a spawned service offers its dispatcher");

        // As a transport hands over a batch: the call made from one of the dispatcher's own threads.
        CompletableFuture<Greet.Greeting> answer = new CompletableFuture<>();
        executor.execute(() -> greet.unary(hello("batched"), context()).whenComplete((r, e) -> {
            if (e != null) {
                answer.completeExceptionally(e);
            } else {
                answer.complete(r);
            }
        }));
        assertEquals("hi batched", answer.get(5, TimeUnit.SECONDS).getText());
        assertTrue(servedOn.get().contains("skein.actors.service-dispatcher"), servedOn.get());
    }

    @Test
    void aServiceGivenAsAnActorOfYourOwnOffersNoExecutor() {
        BoundService bound = ServiceDefinition.forActor(GREETER, testKit.spawn(greeter())).unary("Greet", Greet1::new)
                .build().bind(testKit.system());
        assertNull(handler(bound, "Greet").executor(), "where your actor runs is not known: calls go to it directly");
    }

    @Test
    void crashFailsOnlyThatCallAndTheServiceKeepsServing() throws Exception {
        BoundService bound = ServiceDefinition.forBehavior(GREETER, greeter()).unary("Greet", Greet1::new).build()
                .bind(testKit.system());
        var greet = handler(bound, "Greet");
        assertEquals("hi a", greet.unary(hello("a"), context()).toCompletableFuture().get(5, TimeUnit.SECONDS).getText());
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> greet.unary(hello("boom"), context()).toCompletableFuture().get(5, TimeUnit.SECONDS));
        StatusException status = (StatusException) failure.getCause();
        assertEquals(StatusCode.INTERNAL, status.code());
        // A crash, not a raised status: the transport answers it generically and logs its cause.
        assertFalse(Status.fromThrowable(status).isRaised());
        assertEquals("boom", status.status().cause().getMessage());
        assertEquals("hi b", greet.unary(hello("b"), context()).toCompletableFuture().get(5, TimeUnit.SECONDS).getText());
    }

    @Test
    void callsToAStoppedServiceFailUnavailableAtOnce() throws Exception {
        var actor = testKit.spawn(greeter());
        BoundService bound = ServiceDefinition.forActor(GREETER, actor).unary("Greet", Greet1::new).build()
                .bind(testKit.system());
        var greet = handler(bound, "Greet");
        assertEquals("hi a", greet.unary(hello("a"), context()).toCompletableFuture().get(5, TimeUnit.SECONDS).getText());
        actor.tell(new Stop());
        testKit.createTestProbe().expectTerminated(actor, Duration.ofSeconds(5));
        // The watcher marks the endpoint stopped asynchronously; poll (bounded) until calls are refused.
        AtomicReference<StatusException> refused = new AtomicReference<>();
        Await.until(Duration.ofSeconds(5), () -> {
            try {
                greet.unary(hello("late"), context());
                return false;
            } catch (StatusException e) {
                refused.set(e);
                return true;
            }
        }, () -> "calls to a stopped service must be refused");
        assertEquals(StatusCode.UNAVAILABLE, refused.get().code());
    }

    @Test
    void functionalServiceRunsOnTheActorForm() throws Exception {
        BoundService bound = FunctionalService.builder(GREETER)
                .unary("Greet", (Greet.Hello h, CallContext c) ->
                        CompletableFuture.completedFuture(Greet.Greeting.newBuilder().setText("fn " + h.getName()).build()))
                .bidiStreaming("Converse", (Source<Greet.Hello, org.apache.pekko.NotUsed> in, CallContext c) ->
                        in.map(h -> Greet.Greeting.newBuilder().setText("re " + h.getName()).build()))
                .instances(2)
                .build()
                .bind(testKit.system());
        assertEquals("fn x", handler(bound, "Greet").unary(hello("x"), context()).toCompletableFuture()
                .get(5, TimeUnit.SECONDS).getText());
        var converse = handler(bound, "Converse");
        List<Greet.Greeting> replies = converse.streaming(Source.from(List.of(hello("1"), hello("2"))), context())
                .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(List.of("re 1", "re 2"), replies.stream().map(Greet.Greeting::getText).toList());
    }

    @Test
    void definitionsAreCheckedAgainstTheDescriptor() {
        assertThrows(IllegalArgumentException.class,
                () -> ServiceDefinition.forBehavior(GREETER, greeter()).unary("Nope", Greet1::new));
        assertThrows(IllegalArgumentException.class,
                () -> ServiceDefinition.forBehavior(GREETER, greeter()).unary("GreetMany", Greet1::new));
    }
}
