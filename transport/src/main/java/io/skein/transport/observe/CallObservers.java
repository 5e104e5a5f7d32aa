package io.skein.transport.observe;

import static java.util.Objects.requireNonNull;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The {@link CallObserver} of an actor system's client channels (a node installs its own at start).
 * A channel reads it once, when it is created; channels created before {@link #install} stay
 * unobserved. One per actor system; the default is {@link CallObserver#NONE}.
 */
public final class CallObservers implements Extension {

    private volatile CallObserver observer = CallObserver.NONE;

    private CallObservers() {
    }

    /** The observer installed for {@code system}'s client channels ({@link CallObserver#NONE} by default). */
    public static CallObserver of(ActorSystem<?> system) {
        return Id.INSTANCE.apply(requireNonNull(system, "system")).observer;
    }

    /** Installs {@code observer} for the client channels created from {@code system} from now on. */
    public static void install(ActorSystem<?> system, CallObserver observer) {
        Id.INSTANCE.apply(requireNonNull(system, "system")).observer = requireNonNull(observer, "observer");
    }

    private static final class Id extends ExtensionId<CallObservers> {
        static final Id INSTANCE = new Id();

        @Override
        public CallObservers createExtension(ActorSystem<?> system) {
            return new CallObservers();
        }
    }
}
