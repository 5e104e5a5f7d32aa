package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.net.SocketAddress;

/**
 * The failures that prove a call never reached a service: the connection could not be made, it was
 * already going away when the call was to be written, or a draining server refused the call before
 * dispatching it (native and gRPC: {@code UNAVAILABLE "server is shutting down"}; HTTP/2:
 * {@code REFUSED_STREAM}). Such a call is safe to send again elsewhere whatever the method does, as
 * Kitex's always-on connection-failure retry and gRPC's transparent retry do.
 *
 * <p>The native protocol carries no "not processed" flag, so a refusal is an {@code UNAVAILABLE}
 * status with one of the messages made here; the transport builds every such status through this
 * class, and {@link #refusedBeforeProcessing} recognises exactly those, so the two cannot drift apart.
 */
public final class CallRefusals {

    private static final String SHUTTING_DOWN = "server is shutting down";
    private static final String CANNOT_CONNECT = "cannot connect to ";
    private static final String CONNECTION_CLOSED = "connection closed";
    private static final String CONNECTION_UNUSABLE = "connection is not usable";
    private static final String CANNOT_OPEN_STREAM = "cannot open HTTP/2 stream";
    private static final String STREAM_REFUSED = "stream reset by server (REFUSED_STREAM)";
    private static final String STREAM_NEVER_OPENED = "HTTP/2 stream closed before it was opened";
    private static final String CLOSED_AFTER_GOAWAY = "connection closed after the server's GOAWAY, before it took the call";
    private static final String CONNECTION_TO = "connection to ";
    private static final String IS_CLOSING = " is closing";
    private static final String IS_NOT_USABLE = " is not usable";

    private CallRefusals() {
    }

    /** A draining server's answer to a new call. */
    public static Status shuttingDown() {
        return Status.of(StatusCode.UNAVAILABLE, SHUTTING_DOWN);
    }

    /** No connection to {@code address} could be made. */
    public static Status cannotConnect(SocketAddress address, String reason) {
        return Status.of(StatusCode.UNAVAILABLE, CANNOT_CONNECT + address + ": " + reason);
    }

    /** The connection closed before the call was registered on it. */
    public static Status connectionClosed() {
        return Status.of(StatusCode.UNAVAILABLE, CONNECTION_CLOSED);
    }

    /** The HTTP/2 connection was going away before the call's stream was opened. */
    public static Status connectionUnusable() {
        return Status.of(StatusCode.UNAVAILABLE, CONNECTION_UNUSABLE);
    }

    /** The connection to {@code peer} was going away before the call was written. */
    public static Status connectionUnusable(SocketAddress peer) {
        return Status.of(StatusCode.UNAVAILABLE, CONNECTION_TO + peer + IS_NOT_USABLE);
    }

    /** The connection to {@code peer} was closing before the call was written. */
    public static Status connectionClosing(SocketAddress peer) {
        return Status.of(StatusCode.UNAVAILABLE, CONNECTION_TO + peer + IS_CLOSING);
    }

    /** The HTTP/2 stream of the call could not be opened locally. */
    public static Status cannotOpenStream(Throwable cause) {
        return Status.of(StatusCode.UNAVAILABLE, CANNOT_OPEN_STREAM + ": " + cause);
    }

    /** The server refused the call's HTTP/2 stream (RST_STREAM REFUSED_STREAM) before processing it. */
    public static Status streamRefused() {
        return Status.of(StatusCode.UNAVAILABLE, STREAM_REFUSED);
    }

    /**
     * The call's HTTP/2 stream ended before its HEADERS went out (a stream waiting for a free place
     * under the server's SETTINGS_MAX_CONCURRENT_STREAMS when the connection went away).
     */
    public static Status streamNeverOpened() {
        return Status.of(StatusCode.UNAVAILABLE, STREAM_NEVER_OPENED);
    }

    /**
     * The server's GOAWAY named the last call it took, this call came after it, and the connection closed
     * before any answer: the server never read it (native protocol; HTTP/2's GOAWAY means the same).
     */
    public static Status closedAfterGoAway() {
        return Status.of(StatusCode.UNAVAILABLE, CLOSED_AFTER_GOAWAY);
    }

    /** Whether {@code failure} (a status exception, possibly wrapped) is a refusal before any processing. */
    public static boolean refusedBeforeProcessing(Throwable failure) {
        Status status = Status.fromThrowable(requireNonNull(failure, "failure"));
        if (status.code() != StatusCode.UNAVAILABLE) {
            return false;
        }
        String m = status.message();
        return m.equals(SHUTTING_DOWN)
                || m.startsWith(CANNOT_CONNECT)
                || m.equals(CONNECTION_CLOSED)
                || m.equals(CONNECTION_UNUSABLE)
                || m.startsWith(CANNOT_OPEN_STREAM)
                || m.equals(STREAM_REFUSED)
                || m.equals(STREAM_NEVER_OPENED)
                || m.equals(CLOSED_AFTER_GOAWAY)
                || m.startsWith(CONNECTION_TO) && (m.endsWith(IS_CLOSING) || m.endsWith(IS_NOT_USABLE));
    }
}
