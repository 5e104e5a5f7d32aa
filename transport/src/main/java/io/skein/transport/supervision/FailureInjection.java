package io.skein.transport.supervision;

import static java.util.Objects.requireNonNull;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.annotation.InternalApi;

/**
 * Test hook: makes a supervised infrastructure actor throw, to check that it restarts from its
 * settings and published state. Every behavior wrapped by {@link SupervisionSettings#supervise} (every
 * child of an {@link ActorOwner}, and the server's limiters) reacts to the message {@link #inject} sends
 * by throwing {@link InjectedFailure} inside its supervisor, exactly as if its own handler had thrown.
 * Nothing in configuration or in the call path sends it; it is not API.
 */
@InternalApi
public final class FailureInjection {

    private FailureInjection() {
    }

    /** The failure the actor throws. */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String reason) {
            super("failure injected for a test: " + reason, null, false, false);
        }
    }

    private record Inject(String reason) {
    }

    /** Makes {@code actor} (a supervised infrastructure actor) throw when it handles this message. */
    @InternalApi
    @SuppressWarnings("unchecked")
    public static void inject(ActorRef<?> actor, String reason) {
        ((ActorRef<Object>) requireNonNull(actor, "actor")).tell(new Inject(requireNonNull(reason, "reason")));
    }

    /** {@code behavior}, throwing when it receives what {@link #inject} sends (messages are untyped at run time). */
    static <T> Behavior<T> injectable(Behavior<T> behavior) {
        return Behaviors.<Object, T>intercept(Interceptor::new, behavior).unsafeCast();
    }

    private static final class Interceptor<T> extends BehaviorInterceptor<Object, T> {
        Interceptor() {
            super(Object.class);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Behavior<T> aroundReceive(TypedActorContext<Object> ctx, Object msg, ReceiveTarget<T> target) {
            if (msg instanceof Inject inject) {
                throw new InjectedFailure(inject.reason());
            }
            return target.apply(ctx, (T) msg);
        }
    }
}
