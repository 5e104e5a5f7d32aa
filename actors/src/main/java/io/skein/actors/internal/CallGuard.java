package io.skein.actors.internal;

import io.skein.actors.CallMessage;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.observe.TraceContext;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Wraps a service behavior so that a failure while it handles a call fails that call with
 * {@code INTERNAL} before supervision restarts the actor: one bad call never hangs or takes down
 * the others. While the actor handles a call that is traced, the call's trace and span ids are in the
 * SLF4J MDC ({@value #TRACE_ID}, {@value #SPAN_ID}), so whatever the service logs carries them; an
 * untraced call costs one null check.
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
        TraceContext trace = msg instanceof CallMessage carrier && carrier.call() != null
                ? carrier.call().context().trace().orElse(null) : null;
        if (trace != null) {
            MDC.put(TRACE_ID, trace.traceId());
            MDC.put(SPAN_ID, trace.spanId());
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
