package io.skein.actors.client;

import static java.util.Objects.requireNonNull;

import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A typed handle on a server-streaming method.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public final class ServerStreamingMethod<Req, Resp> {

    private final ClientChannel channel;
    private final MethodDescriptor<Req, Resp> method;

    ServerStreamingMethod(ClientChannel channel, MethodDescriptor<Req, Resp> method) {
        this.channel = channel;
        this.method = method;
    }

    public Source<Resp, NotUsed> call(Req request) {
        return call(request, CallOptions.DEFAULT);
    }

    /**
     * The response stream; each run is one call. The server produces only as fast as the stream is
     * consumed; cancelling it cancels the call.
     */
    public Source<Resp, NotUsed> call(Req request, CallOptions options) {
        requireNonNull(request, "request");
        return Source.single(request).via(channel.stream(method, requireNonNull(options, "options")));
    }
}
