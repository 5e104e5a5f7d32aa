package io.skein.transport.internal.connection;

import io.netty.channel.group.ChannelGroup;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.OwnedActor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.annotation.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second half of a server's shutdown, the same for every listener (TCP port, shared-memory socket):
 * once the listener is closed, the server actor drains every connection (GOAWAY, calls in flight get at
 * most {@code exitWait}), stops, the accepted channels are closed and the server's own owner (if it made
 * one) is closed. Any thread; completes once all of that is done, whatever the drain's outcome.
 */
@InternalApi
public final class ServerDrain {

    private static final Logger log = LoggerFactory.getLogger(ServerDrain.class);

    private ServerDrain() {
    }

    /**
     * Drains and stops {@code actor}'s connections, then closes {@code accepted} and {@code ownOwner}
     * ({@code null} when the server's actors belong to the caller's owner). {@code what} names the server
     * in the warning logged when the drain does not finish cleanly.
     */
    public static CompletionStage<Done> drainAndStop(OwnedActor<ServerActor.Command> actor, Duration exitWait,
                                                     ChannelGroup accepted, ActorOwner ownOwner, String what) {
        CompletableFuture<Done> done = new CompletableFuture<>();
        actor.<Done>ask(r -> new ServerActor.DrainAll(exitWait, r), exitWait.plusSeconds(5))
                .whenComplete((d, err) -> {
                    if (err != null) {
                        log.warn("{} did not drain cleanly: {}", what, err.toString());
                    }
                    actor.tell(new ServerActor.Stop());
                    accepted.close().addListener(c -> {
                        if (ownOwner != null) {
                            ownOwner.closeAsync().whenComplete((o, e) -> done.complete(Done.getInstance()));
                        } else {
                            done.complete(Done.getInstance());
                        }
                    });
                });
        return done;
    }
}
