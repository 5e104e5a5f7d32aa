package io.skein.runtime.cluster.internal;

import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * An actor subscribed to one Receptionist key, handing every new listing to a callback (on the actor's
 * thread, one at a time). Reachable entries only, unless asked for all: the Receptionist sends a new
 * listing when an entry's node becomes unreachable or reachable again, not only when entries change.
 */
public final class ListingWatcher {

    private ListingWatcher() {
    }

    /** The behaviour; {@code onListing} must not block. */
    public static Behavior<Receptionist.Listing> create(ServiceKey<Object> key, boolean includeUnreachable,
                                                        Consumer<Set<ActorRef<Object>>> onListing) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.subscribe(key, context.getSelf()));
            return Behaviors.receiveMessage(listing -> {
                if (listing.isForKey(key)) {
                    onListing.accept(includeUnreachable ? listing.getAllServiceInstances(key)
                            : listing.getServiceInstances(key));
                }
                return Behaviors.same();
            });
        });
    }
}
