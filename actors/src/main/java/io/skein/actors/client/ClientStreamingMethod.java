package io.skein.actors.client;

import static java.util.Objects.requireNonNull;

import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
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
        return requests.via(channel.stream(method, requireNonNull(options, "options")))
                .runWith(Sink.head(), materializer);
    }
}
