package io.skein.transport.internal.call;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallContext;
import io.skein.transport.ServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the dispatcher runs {@link ServerInterceptor}s: in order, the first refusal wins, and a faulty
 * interceptor (throwing, or refusing with OK) refuses only the call it was asked about, with INTERNAL.
 */
final class Interceptors {

    private static final Logger log = LoggerFactory.getLogger(Interceptors.class);

    private Interceptors() {
    }

    /** The first refusal of {@code interceptors} for {@code call}, or {@code null} when all let it through. */
    static Status intercept(ServerInterceptor[] interceptors, CallContext call) {
        for (ServerInterceptor interceptor : interceptors) {
            Status refusal;
            try {
                refusal = interceptor.intercept(call);
            } catch (RuntimeException e) {
                log.warn("server interceptor {} failed for {}: {}", interceptor, call.method(), e.toString());
                return Status.of(StatusCode.INTERNAL, "server interceptor failed");
            }
            if (refusal != null) {
                if (refusal.isOk()) {
                    log.warn("server interceptor {} refused {} with OK; refusing with INTERNAL", interceptor, call.method());
                    return Status.of(StatusCode.INTERNAL, "server interceptor refused the call without a status");
                }
                return refusal;
            }
        }
        return null;
    }
}
