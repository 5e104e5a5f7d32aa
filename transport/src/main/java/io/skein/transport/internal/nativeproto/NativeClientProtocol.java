package io.skein.transport.internal.nativeproto;

import io.netty.channel.Channel;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.connection.ClientProtocol;
import org.apache.pekko.annotation.InternalApi;

/** The native protocol towards a Skein server ({@code skein://}): every call kind, resets, credits. */
@InternalApi
public class NativeClientProtocol implements ClientProtocol {

    @Override
    public String name() {
        return "skein";
    }

    @Override
    public ClientTransport install(Channel channel, TransportSettings settings, Runnable onGoAway) {
        NativeConnection connection = new NativeConnection(channel, settings, Integer.MAX_VALUE);
        NativePipeline.addCodec(channel.pipeline(), null, settings);
        channel.pipeline().addLast("skein-client", new NativeClientHandler(connection, onGoAway));
        return transport(connection);
    }

    /**
     * Adds the native protocol's client handler alone at the end of {@code channel}'s pipeline and returns
     * the transport that opens calls on it, for a transport with its own framing (shared memory; see
     * {@link NativeServerProtocol#installFrameHandler}).
     */
    public static ClientTransport installFrameHandler(Channel channel, TransportSettings settings, Runnable onGoAway) {
        NativeConnection connection = new NativeConnection(channel, settings, Integer.MAX_VALUE);
        channel.pipeline().addLast("skein-client", new NativeClientHandler(connection, onGoAway));
        return new NativeClientTransport(connection);
    }

    NativeClientTransport transport(NativeConnection connection) {
        return new NativeClientTransport(connection);
    }

    @Override
    public int maxMessageSize(TransportSettings settings) {
        return settings.maxMessageSize();
    }
}
