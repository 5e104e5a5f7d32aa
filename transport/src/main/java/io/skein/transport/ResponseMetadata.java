package io.skein.transport;

import io.skein.protocols.Metadata;
import java.util.concurrent.CompletableFuture;

/**
 * Receives the metadata a server sends back on one call: its headers (before the first response)
 * and its trailers (with the final status). Pass one in {@link CallOptions#withResponseMetadata}.
 * Both futures complete with {@link Metadata#EMPTY} when the server sent none; they never fail.
 */
public final class ResponseMetadata {

    private final CompletableFuture<Metadata> headers = new CompletableFuture<>();
    private final CompletableFuture<Metadata> trailers = new CompletableFuture<>();

    public CompletableFuture<Metadata> headers() {
        return headers;
    }

    public CompletableFuture<Metadata> trailers() {
        return trailers;
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
