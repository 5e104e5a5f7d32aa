package io.skein.actors.internal;

import io.skein.actors.CallMessage;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.observe.TraceContext;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Wraps a service behavior so that a failure while it handles a call fails that call before the
 * service's supervision (resume by default) applies: one bad call never hangs or takes down the others.
 * The call is failed with a crash status (not raised, the exception as its local cause), which the
 * transport answers generically and logs once with the call's id; a failure on any other message is
 * logged here, since the supervisor's own logging is off. A call message the behavior leaves unhandled
 * (a method it has no case for) fails with {@code UNIMPLEMENTED}. While the actor handles a call that is traced, the call's
 * trace and span ids are in the SLF4J MDC ({@value #TRACE_ID}, {@value #SPAN_ID}), so whatever the
 * service logs carries them; an untraced call costs one null check. Runs in the service actor.
 *
 * <p>It also marks each call {@linkplain io.skein.transport.CallContext#markStarted started} as the actor
 * takes its message from the mailbox: the end of the call's wait in the node, which server limits measure.
 * A call that already ended while it waited (its caller cancelled, its deadline passed, its connection
 * closed) is not handed to the behavior: nobody waits for its answer, and under overload the actor's time
 * goes to calls that can still be answered.
 */
final class CallGuard<T> extends BehaviorInterceptor<T, T> {

    private static final Logger log = LoggerFactory.getLogger(CallGuard.class);

    /** MDC key of the trace id (32 hex digits) while a traced call is handled. */
    static final String TRACE_ID = "traceId";
    /** MDC key of the server span id (16 hex digits) while a traced call is handled. */
    static final String SPAN_ID = "spanId";

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
        TraceContext trace = msg instanceof CallMessage carrier && carrier.call() != null
                ? carrier.call().context().probe().trace() : null; // the probe's, without an Optional per call
        if (trace != null) {
            MDC.put(TRACE_ID, trace.traceId());
            MDC.put(SPAN_ID, trace.spanId());
        }
        try {
            Behavior<T> next = target.apply(ctx, msg);
            if (Behavior.isUnhandled(next) && msg instanceof CallMessage carrier && carrier.call() != null) {
                // The actor has no case for this method: the caller hears so instead of waiting forever.
                carrier.call().fail(Status.of(StatusCode.UNIMPLEMENTED, carrier.call().method()
                        + " is not implemented by the service"));
            }
            return next;
        } catch (RuntimeException | LinkageError e) {
            if (msg instanceof CallMessage carrier && carrier.call() != null) {
                carrier.call().fail(Status.of(StatusCode.INTERNAL, "service " + service + " crashed").withCause(e));
            } else {
                log.error("service {} failed on a {}; applying its supervision", service,
                        msg == null ? "null message" : msg.getClass().getSimpleName(), e);
            }
            throw e;
        } finally {
            if (trace != null) {
                MDC.remove(TRACE_ID);
                MDC.remove(SPAN_ID);
            }
        }
    }

    @Override
    public boolean isSame(BehaviorInterceptor<Object, Object> other) {
        return other instanceof CallGuard<?> g && g.service.equals(service);
    }
}
