package io.skein.actors.client;

import static java.util.Objects.requireNonNull;

import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * A typed handle on a bidirectional-streaming method.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public final class BidiStreamingMethod<Req, Resp> {

    private final ClientChannel channel;
    private final MethodDescriptor<Req, Resp> method;

    BidiStreamingMethod(ClientChannel channel, MethodDescriptor<Req, Resp> method) {
        this.channel = channel;
        this.method = method;
    }

    public Flow<Req, Resp, NotUsed> call() {
        return call(CallOptions.DEFAULT);
    }

    /** The call as a flow; each materialization is one call with backpressure both ways. */
    public Flow<Req, Resp, NotUsed> call(CallOptions options) {
        return channel.stream(method, requireNonNull(options, "options"));
    }
}
