package io.skein.governance.chain;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The governed channels of an actor system that are open now, so a node can read every channel's
 * {@link GovernedChannel#stats() stats} (breakers, retry budgets) for its metrics without the channels'
 * creators handing them over. A channel is listed from its creation until {@link GovernedChannel#closeAsync}.
 * Thread-safe.
 */
public final class GovernedChannels implements Extension {

    private final Set<GovernedChannel> open = ConcurrentHashMap.newKeySet();

    private GovernedChannels() {
    }

    /** The governed channels of {@code system} open now. */
    public static List<GovernedChannel> of(ActorSystem<?> system) {
        return List.copyOf(Id.INSTANCE.apply(requireNonNull(system, "system")).open);
    }

    static void opened(ActorSystem<?> system, GovernedChannel channel) {
        Id.INSTANCE.apply(system).open.add(channel);
    }

    static void closed(ActorSystem<?> system, GovernedChannel channel) {
        Id.INSTANCE.apply(system).open.remove(channel);
    }

    private static final class Id extends ExtensionId<GovernedChannels> {
        static final Id INSTANCE = new Id();

        @Override
        public GovernedChannels createExtension(ActorSystem<?> system) {
            return new GovernedChannels();
        }
    }
}
