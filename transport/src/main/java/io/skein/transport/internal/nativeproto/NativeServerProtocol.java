package io.skein.transport.internal.nativeproto;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.connection.ServerProtocol;
import java.util.function.Consumer;
import org.apache.pekko.annotation.InternalApi;

/** The native protocol on a server port: TTHeader frames, which carry {@code 0x1000} at bytes 4..5. */
@InternalApi
public final class NativeServerProtocol implements ServerProtocol {

    private final TransportSettings settings;

    public NativeServerProtocol(TransportSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "skein";
    }

    @Override
    public String description() {
        return "Skein's native protocol (TTHeader, Kitex-compatible)";
    }

    @Override
    public int prefixLength() {
        return 6;
    }

    @Override
    public boolean matches(ByteBuf first) {
        return first.getUnsignedShort(first.readerIndex() + 4) == 0x1000;
    }

    /**
     * Adds the native protocol's server handler alone at the end of {@code pipeline}, for a transport
     * with its own framing (shared memory): the handlers before it deliver decoded
     * {@link io.skein.protocols.frame.SkeinFrame}s, and the handlers after the tail (outbound) take
     * the {@code SkeinFrame}s it writes.
     */
    public static void installFrameHandler(ChannelPipeline pipeline, TransportSettings settings,
                                           ServerDispatcher dispatcher, Consumer<Connection> onOpen) {
        pipeline.addLast("skein-server", new NativeServerHandler(dispatcher, settings, onOpen));
    }

    @Override
    public void install(ChannelHandlerContext ctx, ServerDispatcher dispatcher, Consumer<Connection> onOpen) {
        NativePipeline.addCodec(ctx.pipeline(), ctx.name(), settings);
        ctx.pipeline().addLast("skein-server", new NativeServerHandler(dispatcher, settings, onOpen));
    }
}
