package io.skein.governance.limit;

import static io.skein.governance.testing.ScriptedChannel.SAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.FailureInjection;
import io.skein.transport.supervision.OwnedActor;
import io.skein.governance.testing.ScriptedChannel;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallAdmission;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Limiters whose actors throw keep their limits and their accounting: the gate calls hold is the state
 * of record, so a restart neither loses a place nor gives one back twice, and no caller waits for it.
 */
class LimiterSupervisionTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final SocketAddress PEER = new InetSocketAddress("127.0.0.1", 1);
    private static final String METHOD = "test.Svc/Limited";
    private static final ActorTestKit testKit = ActorTestKit.create("LimiterSupervisionTest");

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static void crash(OwnedActor<?> actor) {
        FailureInjection.inject(Await.result(actor.ref(), LIMIT), "test");
    }

    private static List<ActorRef<Void>> limiters(ServerLimiter limiter) {
        return Await.result(limiter.actor().ask(ServerLimitsActor.GetLimiters::new, LIMIT), LIMIT);
    }

    @Test
    void aClientLimiterWhoseActorThrowsStillAdmitsAndReleasesEveryPlaceOnce() {
        ActorOwner owner = ActorOwner.create(testKit.system(), "client");
        ClientConcurrencyLimit limit = ClientConcurrencyLimit.create(owner, "test.Svc", 2);
        List<CompletableFuture<String>> held = new ArrayList<>();
        ScriptedChannel below = new ScriptedChannel(n -> {
            CompletableFuture<String> answer = new CompletableFuture<>();
            held.add(answer);
            return answer;
        });
        ClientChannel channel = limit.wrap(below);
        List<CompletionStage<String>> admitted = new ArrayList<>();
        admitted.add(channel.unary(SAY, "a", CallOptions.DEFAULT));
        admitted.add(channel.unary(SAY, "b", CallOptions.DEFAULT));

        crash(limit.actor());
        StatusException refused = (StatusException) Await.failure(channel.unary(SAY, "c", CallOptions.DEFAULT), LIMIT);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, refused.code(), "the limit holds while the actor restarts");
        assertEquals(2, limit.stats().inFlight());

        Await.result(limit.update(3), LIMIT); // answered by the restarted actor
        admitted.add(channel.unary(SAY, "d", CallOptions.DEFAULT));
        Await.failure(channel.unary(SAY, "e", CallOptions.DEFAULT), LIMIT);
        assertEquals(3, limit.stats().inFlight());

        crash(limit.actor());
        held.forEach(h -> h.complete("ok"));
        admitted.forEach(call -> assertEquals("ok", Await.result(call, LIMIT)));
        Await.until(LIMIT, () -> limit.stats().inFlight() == 0, () -> "every place given back: " + limit.stats());
        LimiterStats stats = limit.stats();
        assertEquals(3, stats.admitted());
        assertEquals(2, stats.refusedConcurrency());
        assertEquals(3, stats.concurrencyLimit(), "the updated limit survived the second restart");
        assertEquals(3, below.attempts.size(), "refused calls never reached the channel below");
        Await.result(owner.closeAsync(), LIMIT);
    }

    @Test
    void aServerLimiterWhoseActorsThrowKeepsItsLimitsAndReleasesEachCallOnce() {
        ActorOwner node = ActorOwner.create(testKit.system(), "skein-node");
        ServerLimits limits = ServerLimits.UNLIMITED.withServer(LimitSettings.concurrency(2))
                .withMethod(METHOD, LimitSettings.concurrency(1));
        ServerLimiter limiter = ServerLimiter.create(node, limits);
        CallAdmission.Decision first = limiter.admit(METHOD, PEER);
        assertNull(first.refusal());
        assertNotNull(limiter.admit(METHOD, PEER).refusal(), "the method's limit");
        CallAdmission.Decision other = limiter.admit("test.Svc/Other", PEER);
        assertNull(other.refusal());
        assertNotNull(limiter.admit("test.Svc/Other", PEER).refusal(), "the server's limit");

        List<ActorRef<Void>> before = limiters(limiter);
        assertEquals(2, before.size());
        before.forEach(l -> FailureInjection.inject(l, "a limiter throws"));
        crash(limiter.actor()); // and so does their parent: they are rebuilt from the published gates
        TestProbe<Object> watcher = testKit.createTestProbe();
        before.forEach(l -> watcher.expectTerminated(l, LIMIT));
        assertNotNull(limiter.admit("test.Svc/Other", PEER).refusal(), "limits hold while the actors restart");

        Await.result(limiter.update(limits.withServer(LimitSettings.concurrency(3))), LIMIT);
        assertEquals(2, limiters(limiter).size(), "a limiter per scope again");
        CallAdmission.Decision third = limiter.admit("test.Svc/Other", PEER);
        assertNull(third.refusal(), "the update applied by the restarted actors");
        assertEquals(3, limiter.stats().server().inFlight());

        first.release(Status.OK);
        first.release(Status.OK); // a second release is ignored
        other.release(Status.OK);
        third.release(Status.OK);
        ServerLimitStats stats = limiter.stats();
        assertEquals(0, stats.server().inFlight());
        assertEquals(0, stats.methods().get(METHOD).inFlight());
        assertEquals(3, stats.server().admitted());
        assertNull(limiter.admit(METHOD, PEER).refusal(), "the method's place was given back exactly once");
        Await.result(node.closeAsync(), LIMIT);
    }

    @Test
    void anAdaptiveLimiterWhoseActorThrowsResumesFromItsLastLimitAndKeepsAdapting() {
        ActorOwner owner = ActorOwner.create(testKit.system(), "adaptive");
        AdaptiveSettings adaptive = AdaptiveSettings.OFF.withEnabled(true).withLimits(20, 2, 500)
                .withWindow(Duration.ofMillis(20), 5).withChurn(1e9, 1, 1e9, Duration.ZERO);
        // Driven below at 0 ms of queueing and a full limit: it can only grow.
        LimitSettings settings = LimitSettings.UNLIMITED.withAdaptive(adaptive);
        Gate gate = new Gate("server", "server limit reached", settings, adaptive.initialLimit());
        OwnedActor<LimiterActor.Command> actor = owner.spawn("limiter", LimiterActor.create(gate));
        TestProbe<LimiterStats> stats = testKit.createTestProbe();
        actor.tell(new LimiterActor.GetStats(stats.getRef()));
        assertEquals(20, stats.receiveMessage(LIMIT).concurrencyLimit());
        gate.publish(settings, 77); // where the algorithm had taken it; no traffic, so no window moves it

        crash(actor);
        actor.tell(new LimiterActor.GetStats(stats.getRef())); // answered by the restarted actor
        assertEquals(77, stats.receiveMessage(LIMIT).concurrencyLimit(), "resumed, not back at the initial 20");
        Await.until(LIMIT, () -> {
            LimiterActorTest.drive(gate, 0);
            return gate.stats().concurrencyLimit() > 77;
        }, () -> "still adapting: " + gate.stats());
        Await.result(owner.closeAsync(), LIMIT);
    }

    @Test
    void closingTheNodeOwnerStopsTheServerLimitsAndEveryLimiter() {
        ActorOwner node = ActorOwner.create(testKit.system(), "skein-node");
        ServerLimiter limiter = ServerLimiter.create(node, ServerLimits.UNLIMITED
                .withMethod(METHOD, LimitSettings.rate(100)).withMethod("test.Svc/Other", LimitSettings.concurrency(5)));
        List<ActorRef<Void>> subtree = new ArrayList<>(limiters(limiter));
        assertEquals(3, subtree.size());
        subtree.addAll(Await.result(node.children(), LIMIT));
        assertEquals(4, subtree.size());
        assertTrue(subtree.stream().anyMatch(a -> a.path().toString()
                .matches(".*/system/skein-node-\\d+/server-limits-\\d+/server")), subtree.toString());

        Await.result(node.closeAsync(), LIMIT);
        TestProbe<Object> watcher = testKit.createTestProbe();
        subtree.forEach(a -> watcher.expectTerminated(a, LIMIT));
        watcher.expectTerminated(node.ref(), LIMIT);
        assertEquals(List.of(), Await.result(node.children(), LIMIT));
    }
}
