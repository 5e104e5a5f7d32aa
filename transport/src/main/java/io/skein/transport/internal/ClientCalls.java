package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.CallOptions;
import io.skein.transport.CallRefusals;
import io.skein.transport.MethodDescriptor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/** Starts client calls on an {@link EndpointPool}. */
public final class ClientCalls {

    private ClientCalls() {
    }

    /** A unary call: serialized on the caller's thread, sent and completed on the event loop. */
    public static <Req, Resp> CompletionStage<Resp> unary(EndpointPool pool, NettyResources resources,
                                                          MethodDescriptor<Req, Resp> method, Req request,
                                                          CallOptions options) {
        if (method.kind() != CallKind.UNARY) {
            return CompletableFuture.failedFuture(Status.of(StatusCode.INTERNAL,
                    method.fullName() + " is " + method.kind() + ", not unary").asException());
        }
        long startNanos = System.nanoTime();
        long timeoutMillis = options.timeout() == null ? 0 : Math.max(1, options.timeout().toMillis());
        ClientUnaryCall<Resp> call = new ClientUnaryCall<>(method.fullName(), method.responses(),
                options.responseMetadata());
        ByteBuf payload;
        try {
            payload = method.requests().serialize(request, ByteBufAllocator.DEFAULT);
        } catch (RuntimeException e) {
            call.fail(Status.of(StatusCode.INTERNAL, "cannot serialize request of " + method.fullName() + ": " + e));
            return call;
        }
        if (payload.readableBytes() > resources.settings().maxMessageSize()) {
            int size = payload.readableBytes();
            payload.release();
            call.fail(Status.of(StatusCode.RESOURCE_EXHAUSTED, "request of " + size
                    + " bytes exceeds skein.transport.max-frame-size"));
            return call;
        }
        CompletionStage<Connection> connection = pool.connection();
        CompletableFuture<Connection> ready = connection.toCompletableFuture();
        if (ready.isDone() && !ready.isCompletedExceptionally()) {
            send(call, ready.join(), payload, options, timeoutMillis, startNanos);
        } else {
            connection.whenComplete((c, err) -> {
                if (err != null) {
                    payload.release();
                    call.fail(Status.fromThrowable(err));
                } else {
                    send(call, c, payload, options, timeoutMillis, startNanos);
                }
            });
        }
        return call;
    }

    private static <Resp> void send(ClientUnaryCall<Resp> call, Connection c, ByteBuf payload, CallOptions options,
                                    long timeoutMillis, long startNanos) {
        if (c.channel().eventLoop().inEventLoop()) {
            call.start(c, payload, options.metadata(), timeoutMillis, startNanos);
        } else {
            c.channel().eventLoop().execute(() -> call.start(c, payload, options.metadata(), timeoutMillis, startNanos));
        }
    }

    /** A streaming call as a flow; each materialization opens one stream. */
    public static <Req, Resp> Flow<Req, Resp, NotUsed> stream(EndpointPool pool, MethodDescriptor<Req, Resp> method,
                                                              CallOptions options) {
        if (method.kind() == CallKind.UNARY) {
            throw new IllegalArgumentException(method.fullName() + " is unary; use unary()");
        }
        if (!pool.isSkeinPeer()) {
            StatusException unsupported = new StatusException(StatusCode.UNIMPLEMENTED, "Kitex peer "
                    + pool.address() + " serves only unary calls over TTHeader; " + method.fullName()
                    + " is " + method.kind());
            return Flow.fromSinkAndSource(Sink.cancelled(), Source.failed(unsupported));
        }
        return Flow.fromGraph(CallStreamStage.client(method.fullName(), method.kind(), method.requests(),
                method.responses(), options.metadata(), options.timeout(), options.responseMetadata(),
                nativeOpener(pool)));
    }

    /** Opens native streams: a stream id on a pooled connection, registered before StreamOpen is written. */
    private static CallOpener nativeOpener(EndpointPool pool) {
        return (method, kind, metadata, deadlineNanos, window, inbound) -> pool.connection().thenCompose(c -> {
            CompletableFuture<CallWire> opened = new CompletableFuture<>();
            try {
                c.channel().eventLoop().execute(() -> {
                    if (!c.isUsable()) {
                        opened.completeExceptionally(CallRefusals.connectionUnusable(c.channel().remoteAddress()).asException());
                        return;
                    }
                    int id = c.allocateStreamId();
                    if (!c.register(id, inbound)) {
                        opened.completeExceptionally(CallRefusals.connectionClosed().asException());
                        return;
                    }
                    int grant = window > 0 ? window : c.settings().streamWindow();
                    NativeCallWire wire = new NativeCallWire(c, id, 0);
                    // Queued first, so nothing the stage writes once it knows its wire can overtake it;
                    // sent by a later event-loop task, so no answer can arrive before onOpened below.
                    c.write(new SkeinFrame.StreamOpen(id, method, kind, metadata,
                            CallOpener.remainingMillis(deadlineNanos), grant));
                    inbound.onOpened(wire);
                    opened.complete(wire);
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                opened.completeExceptionally(new StatusException(StatusCode.UNAVAILABLE, "transport is shut down"));
            }
            return opened;
        });
    }
}
