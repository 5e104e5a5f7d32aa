package io.skein.transport.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The owner of a subtree: spawns children supervised, delivers early messages, stops them all at once. */
class ActorOwnerTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final ActorTestKit testKit = ActorTestKit.create("ActorOwnerTest");

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    /** A counter that reports each message with how many it has seen since it (re)started. */
    private record Count(String label, ActorRef<String> replyTo) {
    }

    private static Behavior<Count> counter() {
        return Behaviors.setup(ctx -> {
            int[] seen = {0};
            return Behaviors.receive(Count.class).onAnyMessage(m -> {
                m.replyTo().tell(m.label() + "#" + (++seen[0]));
                return Behaviors.same();
            }).build();
        });
    }

    @Test
    void messagesToldBeforeTheChildExistsArriveInOrder() {
        ActorOwner owner = ActorOwner.create(testKit.system(), "early");
        TestProbe<String> probe = testKit.createTestProbe();
        OwnedActor<Count> child = owner.spawn("counter", counter());
        IntStream.range(0, 50).forEach(i -> child.tell(new Count("m" + i, probe.getRef())));
        IntStream.range(0, 50).forEach(i -> probe.expectMessage(LIMIT, "m" + i + "#" + (i + 1)));
        ActorRef<Count> ref = Await.result(child.ref(), LIMIT);
        assertEquals(owner.ref().path(), ref.path().parent(), "the child lives under its owner");
        assertTrue(ref.path().name().startsWith("counter-"), ref.path().name());
        Await.result(owner.closeAsync(), LIMIT);
    }

    @Test
    void aChildThatThrowsIsRestartedInPlaceFromItsInitialBehavior() {
        ActorOwner owner = ActorOwner.create(testKit.system(), "restarts");
        TestProbe<String> probe = testKit.createTestProbe();
        OwnedActor<Count> child = owner.spawn("counter", counter());
        child.tell(new Count("a", probe.getRef()));
        child.tell(new Count("b", probe.getRef()));
        probe.expectMessage(LIMIT, "a#1");
        probe.expectMessage(LIMIT, "b#2");
        ActorRef<Count> before = Await.result(child.ref(), LIMIT);

        FailureInjection.inject(before, "test");
        child.tell(new Count("c", probe.getRef())); // kept while it restarts, then handled by the new instance
        probe.expectMessage(LIMIT, "c#1");
        assertSame(before, Await.result(child.ref(), LIMIT), "same reference after the restart");
        assertEquals(1, Await.result(owner.children(), LIMIT).size());
        Await.result(owner.closeAsync(), LIMIT);
    }

    @Test
    void aChildThatKeepsThrowingIsRestartedEveryTimeWithBackoff() {
        SupervisionSettings quick = new SupervisionSettings(Duration.ofMillis(1), Duration.ofMillis(20), 0,
                Duration.ofSeconds(10), 100);
        ActorOwner owner = ActorOwner.create(testKit.system(), "loop", quick);
        TestProbe<String> probe = testKit.createTestProbe();
        OwnedActor<Count> child = owner.spawn("counter", counter());
        ActorRef<Count> ref = Await.result(child.ref(), LIMIT);
        for (int i = 0; i < 10; i++) {
            FailureInjection.inject(ref, "crash " + i);
        }
        child.tell(new Count("after", probe.getRef()));
        probe.expectMessage(LIMIT, "after#1");
        Await.result(owner.closeAsync(), LIMIT);
    }

    @Test
    void closingStopsEveryChildInOneStepAndNothingStartsAfterwards() {
        ActorOwner owner = ActorOwner.create(testKit.system(), "closing");
        List<OwnedActor<Count>> spawned = IntStream.range(0, 3).mapToObj(i -> owner.spawn("c", counter())).toList();
        spawned.forEach(c -> Await.result(c.ref(), LIMIT));
        List<ActorRef<Void>> children = Await.result(owner.children(), LIMIT);
        assertEquals(3, children.size());
        TestProbe<Object> watcher = testKit.createTestProbe();

        Await.result(owner.closeAsync(), LIMIT);
        assertTrue(owner.isTerminated());
        children.forEach(c -> watcher.expectTerminated(c, LIMIT));
        watcher.expectTerminated(owner.ref(), LIMIT);
        assertEquals(List.of(), Await.result(owner.children(), LIMIT));
        Await.result(owner.closeAsync(), LIMIT); // idempotent

        OwnedActor<Count> late = owner.spawn("late", counter());
        assertInstanceOf(IllegalStateException.class, Await.failure(late.ref(), LIMIT));
        late.tell(new Count("dropped", testKit.<String>createTestProbe().getRef())); // dropped, no failure
    }

    @Test
    void aChildStoppedAloneLeavesItsSiblingsRunning() {
        ActorOwner owner = ActorOwner.create(testKit.system(), "siblings");
        OwnedActor<Count> first = owner.spawn("a", counter());
        OwnedActor<Count> second = owner.spawn("b", counter());
        ActorRef<Count> firstRef = Await.result(first.ref(), LIMIT);
        Await.result(second.ref(), LIMIT);
        first.stop();
        testKit.createTestProbe().expectTerminated(firstRef, LIMIT);
        TestProbe<String> probe = testKit.createTestProbe();
        second.tell(new Count("x", probe.getRef()));
        probe.expectMessage(LIMIT, "x#1");
        Await.result(owner.closeAsync(), LIMIT);
    }

    @Test
    void settingsComeFromSkeinSupervisionInReferenceConf() {
        SupervisionSettings defaults = SupervisionSettings.fromConfig(
                ConfigFactory.defaultReference().getConfig("skein.supervision"));
        assertEquals(new SupervisionSettings(Duration.ofMillis(10), Duration.ofSeconds(5), 0.2, Duration.ofSeconds(10),
                1000), defaults);
        assertEquals(defaults, SupervisionSettings.of(testKit.system()));
    }
}
