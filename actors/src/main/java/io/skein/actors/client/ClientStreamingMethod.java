package io.skein.actors.client;

import static java.util.Objects.requireNonNull;

import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A typed handle on a client-streaming method.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public final class ClientStreamingMethod<Req, Resp> {

    private final ClientChannel channel;
    private final MethodDescriptor<Req, Resp> method;
    private final Materializer materializer;

    ClientStreamingMethod(ClientChannel channel, MethodDescriptor<Req, Resp> method, Materializer materializer) {
        this.channel = channel;
        this.method = method;
        this.materializer = materializer;
    }

    public CompletionStage<Resp> call(Source<Req, ?> requests) {
        return call(requests, CallOptions.DEFAULT);
    }

    /** Runs the call now: requests are sent as the server grants credits; completes with the response. */
    public CompletionStage<Resp> call(Source<Req, ?> requests, CallOptions options) {
        requireNonNull(requests, "requests");
        // Sink.last waits for the server's trailers, so a completed call is never reset afterwards.
        return requests.via(channel.stream(method, requireNonNull(options, "options")))
                .runWith(Sink.last(), materializer)
                .exceptionally(error -> {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    if (cause instanceof NoSuchElementException) {
                        throw new StatusException(StatusCode.INTERNAL, method.fullName() + ": server sent no response");
                    }
                    throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
                });
    }
}
