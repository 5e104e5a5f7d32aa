package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import java.util.concurrent.CompletableFuture;

/**
 * Receives what a server sends back on one call besides its messages: its headers (before the first
 * response), its trailers (with the final status), and which response messages arrived compressed.
 * Pass one in {@link CallOptions#withResponseMetadata}. Both futures complete with
 * {@link Metadata#EMPTY} when the server sent none; they never fail.
 */
public final class ResponseMetadata {

    private final CompletableFuture<Metadata> headers = new CompletableFuture<>();
    private final CompletableFuture<Metadata> trailers = new CompletableFuture<>();
    private final MessageMarks compressed;

    public ResponseMetadata() {
        this(new MessageMarks());
    }

    private ResponseMetadata(MessageMarks compressed) {
        this.compressed = compressed;
    }

    /**
     * A capture for one attempt of the call this one captures (retries, backup requests): its own headers
     * and trailers, which the layer that decides forwards; response compression it records here directly,
     * since only the responses the caller gets are ever asked about.
     */
    ResponseMetadata forAttempt() {
        return new ResponseMetadata(compressed);
    }

    public CompletableFuture<Metadata> headers() {
        return headers;
    }

    public CompletableFuture<Metadata> trailers() {
        return trailers;
    }

    /**
     * Whether {@code response}, a message this call received, arrived compressed on the wire (gRPC: its
     * compressed flag was set, whatever the call's {@code grpc-encoding}). False for a message that came
     * uncompressed, over a protocol without compression, or that this call did not receive. Messages are
     * told apart by identity; none is kept alive for this.
     */
    public boolean wasCompressed(Object response) {
        return Boolean.TRUE.equals(compressed.get(requireNonNull(response, "response")));
    }

    /** Records that {@code response} arrived compressed; used by the transport before the caller sees it. */
    public void recordCompressed(Object response) {
        compressed.put(requireNonNull(response, "response"), true);
    }

    /** Records the server's headers; the first value wins. */
    public void completeHeaders(Metadata value) {
        headers.complete(value == null ? Metadata.EMPTY : value);
    }

    /** Records the server's trailers (and headers, if none came); the first value wins. */
    public void completeTrailers(Metadata value) {
        headers.complete(Metadata.EMPTY);
        trailers.complete(value == null ? Metadata.EMPTY : value);
    }
}
