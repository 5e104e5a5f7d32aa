package io.skein.transport.internal.call;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import org.apache.pekko.annotation.InternalApi;

/**
 * What a client sends to open a call.
 *
 * @param method        {@code package.Service/Method}
 * @param kind          the call kind
 * @param metadata      request metadata
 * @param deadlineNanos the call's deadline as a {@link System#nanoTime()} value, 0 for none; the time
 *                      left is computed when the call is written, so waiting for a connection does not
 *                      stretch the deadline the server sees
 * @param window        responses the client lets the server send before it grants more
 *                      ({@link Integer#MAX_VALUE}: read freely, as a unary call does)
 * @param compression   the compression of the request messages by name ({@code "gzip"}), {@code null} for
 *                      none; a protocol without message compression ignores it
 * @param compressUnaryRequest whether a unary call's request message is compressed when the call is
 *                      (see {@link io.skein.transport.CallOptions#withMessageCompression})
 */
@InternalApi
public record ClientCallHead(String method, CallKind kind, Metadata metadata, long deadlineNanos, int window,
                             String compression, boolean compressUnaryRequest) {

    public ClientCallHead {
        requireNonNull(method, "method");
        requireNonNull(kind, "kind");
        requireNonNull(metadata, "metadata");
    }

    /** A call without compression. */
    public ClientCallHead(String method, CallKind kind, Metadata metadata, long deadlineNanos, int window) {
        this(method, kind, metadata, deadlineNanos, window, null, true);
    }

    /** Milliseconds left until the deadline (at least 1), or 0 when there is no deadline. */
    public long remainingMillis() {
        if (deadlineNanos == 0) {
            return 0;
        }
        long left = deadlineNanos - System.nanoTime();
        return Math.max(1, (left + 999_999) / 1_000_000);
    }
}
