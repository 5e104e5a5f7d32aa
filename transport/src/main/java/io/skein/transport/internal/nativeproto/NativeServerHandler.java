package io.skein.transport.internal.nativeproto;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerCallHead;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.call.StreamEvent;
import io.skein.transport.internal.connection.ConnectionHandler;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server end of one native-protocol connection: framing only. A UnaryRequest or StreamOpen frame
 * is a call's head, handed to the {@link ServerDispatcher} with a {@link NativeServerStream}; every
 * later frame goes to its call by stream id as a {@link StreamEvent}.
 */
final class NativeServerHandler extends ConnectionHandler {

    private static final Logger log = LoggerFactory.getLogger(NativeServerHandler.class);

    private final ServerDispatcher dispatcher;
    private final TransportSettings settings;
    private final Consumer<Connection> onOpen;
    private NativeConnection connection;

    NativeServerHandler(ServerDispatcher dispatcher, TransportSettings settings, Consumer<Connection> onOpen) {
        super("client");
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.onOpen = onOpen;
    }

    @Override
    protected Connection connection() {
        return connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection = new NativeConnection(ctx.channel(), settings, settings.maxConcurrentCallsPerConnection());
        onOpen.accept(connection);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof SkeinFrame frame) {
                dispatch(ctx, frame);
            } else {
                log.warn("unexpected inbound object {} on {}", msg.getClass().getName(), ctx.channel());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The read has ended: the unary calls it completed go to their services together. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        connection.flushHandOffs();
        ctx.fireChannelReadComplete();
    }

    private void dispatch(ChannelHandlerContext ctx, SkeinFrame frame) {
        if (frame instanceof SkeinFrame.UnaryRequest request) {
            NativeServerStream stream = NativeServerStream.unary(connection, request.streamId(), request.method());
            if (start(ctx, stream, new ServerCallHead(request.method(), CallKind.UNARY, request.metadata(),
                    request.timeoutMillis(), ctx.channel().remoteAddress()))) {
                CallListener call = stream.listener();
                call.onEvent(new StreamEvent.Message(request.payload()));
                call.onEvent(StreamEvent.HALF_CLOSE);
            }
        } else if (frame instanceof SkeinFrame.StreamOpen open) {
            start(ctx, NativeServerStream.streaming(connection, open.streamId(), open.initialCredits()),
                    new ServerCallHead(open.method(), open.kind(), open.metadata(), open.timeoutMillis(),
                            ctx.channel().remoteAddress()));
        } else if (frame instanceof SkeinFrame.GoAway) {
            log.debug("client {} sent GOAWAY", ctx.channel().remoteAddress());
        } else if (frame instanceof SkeinFrame.UnaryResponse || frame instanceof SkeinFrame.StreamTrailers
                || frame instanceof SkeinFrame.StreamHeaders) {
            closeWithReason(ctx, "client sent a server-only frame " + frame.getClass().getSimpleName());
        } else {
            CallListener call = connection.call(frame.streamId());
            if (call != null) {
                NativeEvents.deliver(frame, call);
            } else {
                // Late frames of a call that already ended (cancelled, expired) are dropped.
                log.trace("dropping {} for unknown stream {}", frame.getClass().getSimpleName(), frame.streamId());
            }
        }
    }

    /** Hands a call's head to the dispatcher; true when the call started (and is attached to {@code stream}). */
    private boolean start(ChannelHandlerContext ctx, NativeServerStream stream, ServerCallHead head) {
        if (connection.call(stream.streamId) != null) {
            stream.refuse(Status.of(StatusCode.INTERNAL, "stream id " + stream.streamId + " is already in use"));
            return false;
        }
        dispatcher.dispatch(connection, head, stream);
        return stream.listener() != null;
    }
}
