package io.skein.transport.internal.call;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallAdmission;
import io.skein.transport.CallContext;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the dispatch paths use a {@link CallAdmission}: a faulty admission fails only the call it was
 * asked about, and an admitted call is released when its {@link CallContext} terminates (every way a
 * server call ends terminates its context exactly once).
 */
final class Admissions {

    private static final Logger log = LoggerFactory.getLogger(Admissions.class);

    private Admissions() {
    }

    /** The admission's decision; a throwing admission refuses with INTERNAL instead of breaking the connection. */
    static CallAdmission.Decision admit(CallAdmission admission, String method, SocketAddress peer) {
        try {
            CallAdmission.Decision decision = admission.admit(method, peer);
            if (decision == null) {
                return CallAdmission.Decision.refused(Status.of(StatusCode.INTERNAL,
                        "admission " + admission + " returned no decision for " + method));
            }
            return decision;
        } catch (RuntimeException e) {
            log.warn("admission {} failed for {}: {}", admission, method, e.toString());
            return CallAdmission.Decision.refused(Status.of(StatusCode.INTERNAL, "admission failed: " + e));
        }
    }

    /**
     * What tells {@code decision} that its call left the node's queue, or {@code null} when it counts
     * nothing; a throwing decision fails nothing.
     */
    static CallContext.QueueExit queueExit(CallAdmission.Decision decision) {
        if (decision == CallAdmission.Decision.admitted()) {
            return null;
        }
        return (started, waited) -> {
            try {
                decision.dequeued(started, waited);
            } catch (RuntimeException e) {
                log.warn("reporting a call's queueing delay to its admission failed: {}", e.toString());
            }
        };
    }

    /** Releases {@code decision} once {@code context} terminates. */
    static void releaseOnEnd(CallAdmission.Decision decision, CallContext context) {
        if (decision == CallAdmission.Decision.admitted()) {
            return; // nothing counted: skip the callback
        }
        context.termination().whenComplete((status, failure) -> release(decision,
                status != null ? status : Status.fromThrowable(failure)));
    }

    /** Releases {@code decision} now with {@code status}. */
    static void release(CallAdmission.Decision decision, Status status) {
        try {
            decision.release(status);
        } catch (RuntimeException e) {
            log.warn("releasing an admitted call failed: {}", e.toString());
        }
    }
}
