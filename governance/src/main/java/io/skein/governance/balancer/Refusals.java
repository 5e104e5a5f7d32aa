package io.skein.governance.balancer;

import io.skein.governance.internal.Futures;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;

/**
 * Which failures prove that a call never reached a service: the connection could not be made, the
 * connection was already going away when the call was to be written, or a draining server refused
 * the call before dispatching it (native: {@code UNAVAILABLE "server is shutting down"}; HTTP/2:
 * {@code REFUSED_STREAM}). Such a call is safe to send again elsewhere whatever the method does, as
 * Kitex's always-on connection-failure retry and gRPC's transparent retry do.
 *
 * <p>The transport reports these as {@code UNAVAILABLE} with fixed messages (the native protocol
 * carries no "not processed" flag); they are recognised here in one place.
 */
final class Refusals {

    private Refusals() {
    }

    /** Whether {@code failure} is a refusal before any processing. */
    static boolean refusedBeforeProcessing(Throwable failure) {
        Status status = Status.fromThrowable(Futures.unwrap(failure));
        if (status.code() != StatusCode.UNAVAILABLE) {
            return false;
        }
        String m = status.message();
        return m.equals("server is shutting down")                            // draining server, native and gRPC
                || m.startsWith("cannot connect to ")                          // connect failure (pool)
                || m.equals("connection closed")                               // lost before the stream was registered
                || m.equals("connection is not usable")                        // HTTP/2 connection going away
                || m.startsWith("cannot open HTTP/2 stream")                   // HTTP/2 stream refused locally
                || m.startsWith("stream reset by server (REFUSED_STREAM")      // HTTP/2 peer refused the stream
                || m.startsWith("connection to ") && (m.endsWith(" is closing") || m.endsWith(" is not usable"));
    }
}
