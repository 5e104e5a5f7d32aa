package io.skein.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.transport.supervision.FailureInjection;
import io.skein.runtime.reflection.Greeters;
import io.skein.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;

/** A node owns its infrastructure actors: they live under its owner, restart in place, and stop with the drain. */
class SkeinNodeSupervisionTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    private static SkeinNode node() {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0, exit-wait = 100ms }\n"
                        + "skein.server.limits.methods { \"" + Greeters.GREETER.getFullName() + "/Greet\" { qps = 100 } }\n"
                        + "pekko.loglevel = WARNING"))
                .service(Greeters.definition())
                .reflection(false)
                .start();
    }

    @Test
    void theServerAndItsLimitsLiveUnderTheNodesOwnerAndTheLimitsAnswerUpdatesAfterTheirActorThrows() {
        SkeinNode node = node();
        try {
            List<ActorRef<Void>> children = Await.result(node.owner().children(), LIMIT);
            assertEquals(2, children.size(), children::toString);
            assertTrue(children.stream().anyMatch(c -> c.path().toString()
                    .matches(".*/system/skein-node-\\d+/server-\\d+")), children::toString);
            ActorRef<Void> limits = children.stream().filter(c -> c.path().toString()
                    .matches(".*/system/skein-node-\\d+/server-limits-\\d+")).findFirst().orElseThrow();

            FailureInjection.inject(limits, "test");
            Await.result(node.limits().update(node.limits().limits().withMaxConnections(5)), LIMIT);
            assertEquals(5, node.limits().limits().maxConnections());
            assertEquals(100.0, node.limits().stats().methods().get(Greeters.GREETER.getFullName() + "/Greet")
                    .settings().qps(), "the method limit kept across the restart");
            assertEquals(children, Await.result(node.owner().children(), LIMIT), "restarted in place");
        } finally {
            Greeters.close(node);
        }
    }

    @Test
    void theDrainStopsTheOwnerAndItsSubtreeBeforeTheActorSystemTerminates() {
        SkeinNode node = node();
        CompletableFuture<Boolean> stoppedBeforeTermination = new CompletableFuture<>();
        CoordinatedShutdown.get(node.system()).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
                "check-owner", () -> {
                    stoppedBeforeTermination.complete(node.owner().isTerminated());
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
        Greeters.close(node);
        assertTrue(Await.result(stoppedBeforeTermination, LIMIT), "the node's owner stopped in the drain");
    }
}
