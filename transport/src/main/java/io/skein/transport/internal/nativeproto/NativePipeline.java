package io.skein.transport.internal.nativeproto;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.skein.protocols.frame.SkeinFrameDecoder;
import io.skein.protocols.frame.SkeinFrameEncoder;
import io.skein.transport.TransportSettings;

/** The handlers of the native protocol, the same on both ends of a connection. */
final class NativePipeline {

    private NativePipeline() {
    }

    /** Adds frame codec and flush consolidation after {@code baseName} (or first, when null). */
    static void addCodec(ChannelPipeline pipeline, String baseName, TransportSettings settings) {
        // Writes from many call streams are flushed together rather than one syscall each.
        FlushConsolidationHandler flush = new FlushConsolidationHandler(256, true);
        if (baseName == null) {
            pipeline.addLast("flush", flush);
            pipeline.addLast("frame-decoder", new SkeinFrameDecoder(settings.maxFrameSize()));
            pipeline.addLast("frame-encoder", new SkeinFrameEncoder());
        } else {
            pipeline.addAfter(baseName, "frame-encoder", new SkeinFrameEncoder());
            pipeline.addAfter(baseName, "frame-decoder", new SkeinFrameDecoder(settings.maxFrameSize()));
            pipeline.addAfter(baseName, "flush", flush);
        }
    }
}
