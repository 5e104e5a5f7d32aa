package io.skein.actors.internal;

import io.skein.actors.CallMessage;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a service behavior so that a failure while it handles a call fails that call with
 * {@code INTERNAL} before supervision restarts the actor: one bad call never hangs or takes down
 * the others.
 *
 * <p>It also marks each call {@linkplain io.skein.transport.CallContext#markStarted started} as the actor
 * takes its message from the mailbox: the end of the call's wait in the node, which server limits measure.
 * A call that already ended while it waited (its caller cancelled, its deadline passed, its connection
 * closed) is not handed to the behavior: nobody waits for its answer, and under overload the actor's time
 * goes to calls that can still be answered.
 */
final class CallGuard<T> extends BehaviorInterceptor<T, T> {

    private static final Logger log = LoggerFactory.getLogger(CallGuard.class);

    private final String service;

    @SuppressWarnings("unchecked")
    CallGuard(String service) {
        super((Class<T>) Object.class);
        this.service = service;
    }

    @Override
    public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
        if (msg instanceof CallMessage carrier && carrier.call() != null
                && !carrier.call().context().markStarted() && carrier.call().context().isDone()) {
            log.debug("service {}: {} ended while it waited in the mailbox; not delivered", service,
                    carrier.call().method());
            return Behaviors.same();
        }
        try {
            return target.apply(ctx, msg);
        } catch (RuntimeException | LinkageError e) {
            if (msg instanceof CallMessage carrier && carrier.call() != null) {
                log.warn("service {} failed on {}; failing that call and restarting", service, carrier.call().method(), e);
                carrier.call().fail(Status.of(StatusCode.INTERNAL, "service " + service + " failed: " + e)
                        .withCause(e));
            }
            throw e;
        }
    }

    @Override
    public boolean isSame(BehaviorInterceptor<Object, Object> other) {
        return other instanceof CallGuard<?> g && g.service.equals(service);
    }
}
