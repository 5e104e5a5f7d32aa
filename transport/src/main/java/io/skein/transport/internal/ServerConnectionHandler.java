package io.skein.transport.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.CallAdmission;
import io.skein.transport.CallContext;
import io.skein.transport.CallRefusals;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server end of one native-protocol connection: turns decoded frames into calls on the
 * {@link MethodRegistry} and routes each later frame to its call by stream id.
 */
final class ServerConnectionHandler extends ConnectionHandler {

    private static final Logger log = LoggerFactory.getLogger(ServerConnectionHandler.class);

    private final MethodRegistry registry;
    private final NettyResources resources;
    private final CallAdmission admission;
    private final Consumer<Connection> onOpen;
    private Connection connection;

    ServerConnectionHandler(MethodRegistry registry, NettyResources resources, CallAdmission admission,
                            Consumer<Connection> onOpen) {
        super("client");
        this.registry = registry;
        this.resources = resources;
        this.admission = admission;
        this.onOpen = onOpen;
    }

    @Override
    Connection connection() {
        return connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection = new Connection(ctx.channel(), resources.settings(),
                resources.settings().maxConcurrentCallsPerConnection());
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

    private void dispatch(ChannelHandlerContext ctx, SkeinFrame frame) {
        if (frame instanceof SkeinFrame.UnaryRequest request) {
            onUnary(ctx, request);
        } else if (frame instanceof SkeinFrame.StreamOpen open) {
            onOpen(ctx, open);
        } else if (frame instanceof SkeinFrame.GoAway) {
            log.debug("client {} sent GOAWAY", ctx.channel().remoteAddress());
        } else if (frame instanceof SkeinFrame.UnaryResponse || frame instanceof SkeinFrame.StreamTrailers
                || frame instanceof SkeinFrame.StreamHeaders) {
            closeWithReason(ctx, "client sent a server-only frame " + frame.getClass().getSimpleName());
        } else {
            WireStream stream = connection.stream(frame.streamId());
            if (stream != null) {
                stream.onFrame(frame);
            } else {
                // Late frames of a call that already ended (cancelled, expired) are dropped.
                log.trace("dropping {} for unknown stream {}", frame.getClass().getSimpleName(), frame.streamId());
            }
        }
    }

    private <Req, Resp> void onUnary(ChannelHandlerContext ctx, SkeinFrame.UnaryRequest request) {
        int id = request.streamId();
        @SuppressWarnings("unchecked")
        ServerMethod<Req, Resp> method = (ServerMethod<Req, Resp>) registry.lookup(request.method());
        Status refusal = refusal(method, request.method(), CallKind.UNARY, id);
        if (refusal != null) {
            connection.write(new SkeinFrame.UnaryResponse(id, request.method(), refusal, Metadata.EMPTY,
                    Unpooled.EMPTY_BUFFER));
            return;
        }
        // Admission before the payload is parsed: a refused call costs no decoding.
        CallAdmission.Decision admitted = Admissions.admit(admission, method.descriptor().fullName(),
                ctx.channel().remoteAddress());
        if (!admitted.isAdmitted()) {
            connection.write(new SkeinFrame.UnaryResponse(id, request.method(), admitted.refusal(), Metadata.EMPTY,
                    Unpooled.EMPTY_BUFFER));
            return;
        }
        Req message;
        try {
            message = method.descriptor().requests().parse(request.payload());
        } catch (Exception e) {
            Status invalid = Status.of(StatusCode.INVALID_ARGUMENT,
                    "cannot parse request of " + method.descriptor().fullName() + ": " + e);
            Admissions.release(admitted, invalid);
            connection.write(new SkeinFrame.UnaryResponse(id, request.method(), invalid, Metadata.EMPTY,
                    Unpooled.EMPTY_BUFFER));
            return;
        }
        CallContext context = new CallContext(method.descriptor().fullName(), request.metadata(),
                request.timeoutMillis(), ctx.channel().remoteAddress());
        Admissions.releaseOnEnd(admitted, context);
        ServerUnaryCall<Resp> call = new ServerUnaryCall<>(connection, id, request.method(), context,
                method.descriptor().responses());
        connection.register(id, call);
        call.start(method.handler(), message, request.timeoutMillis());
    }

    private <Req, Resp> void onOpen(ChannelHandlerContext ctx, SkeinFrame.StreamOpen open) {
        int id = open.streamId();
        @SuppressWarnings("unchecked")
        ServerMethod<Req, Resp> method = (ServerMethod<Req, Resp>) registry.lookup(open.method());
        Status refusal = refusal(method, open.method(), open.kind(), id);
        if (refusal != null) {
            connection.write(new SkeinFrame.StreamTrailers(id, refusal, Metadata.EMPTY));
            return;
        }
        // Admission before any request message is read or parsed.
        CallAdmission.Decision admitted = Admissions.admit(admission, method.descriptor().fullName(),
                ctx.channel().remoteAddress());
        if (!admitted.isAdmitted()) {
            connection.write(new SkeinFrame.StreamTrailers(id, admitted.refusal(), Metadata.EMPTY));
            return;
        }
        CallContext context = new CallContext(method.descriptor().fullName(), open.metadata(), open.timeoutMillis(),
                ctx.channel().remoteAddress());
        Admissions.releaseOnEnd(admitted, context);
        Flow<Req, Resp, NotUsed> service = Flow.<Req>create().prefixAndTail(0).flatMapConcat(pair -> {
            Source<Resp, ?> responses;
            Source<Resp, Object> erased;
            try {
                responses = method.handler().streaming(pair.second(), context);
            } catch (Throwable t) {
                responses = Source.failed(t);
            }
            erased = responses == null ? erase(Source.<Resp>failed(new NullPointerException("service returned no stream")))
                    : erase(responses);
            return erased;
        });
        CallWire wire = new NativeCallWire(connection, id, open.initialCredits());
        CallStreamStage<Resp, Req> stage = CallStreamStage.server(wire, open.method(), open.kind(),
                open.timeoutMillis(), method.descriptor().requests(), method.descriptor().responses(), context);
        Flow.fromGraph(stage).join(service).run(resources.materializer());
    }

    @SuppressWarnings("unchecked")
    static <T> Source<T, Object> erase(Source<T, ?> source) {
        return (Source<T, Object>) source;
    }

    /** Why a call cannot start, or {@code null} when it can. */
    private Status refusal(ServerMethod<?, ?> method, String name, CallKind kind, int id) {
        if (method == null) {
            return Status.of(StatusCode.UNIMPLEMENTED, "unknown method " + name);
        }
        if (method.descriptor().kind() != kind) {
            return Status.of(StatusCode.UNIMPLEMENTED, "method " + name + " is " + method.descriptor().kind()
                    + ", called as " + kind);
        }
        if (connection.isDraining() || connection.isClosed()) {
            return CallRefusals.shuttingDown();
        }
        if (connection.stream(id) != null) {
            return Status.of(StatusCode.INTERNAL, "stream id " + id + " is already in use");
        }
        return null;
    }
}
