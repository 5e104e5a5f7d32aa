package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcMessageFramer;
import io.skein.protocols.grpc.GrpcRequestHeaders;
import io.skein.transport.CallOptions;
import io.skein.transport.CallRefusals;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.TransportSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/** Starts gRPC calls on a pool of HTTP/2 connections: each call is one HTTP/2 stream. */
public final class GrpcClientCalls {

    private GrpcClientCalls() {
    }

    /** A unary call: HEADERS + one DATA frame ending the stream; the answer completes the future. */
    public static <Req, Resp> CompletionStage<Resp> unary(EndpointPool pool, NettyResources resources,
                                                          MethodDescriptor<Req, Resp> method, Req request,
                                                          CallOptions options) {
        if (method.kind() != CallKind.UNARY) {
            return CompletableFuture.failedFuture(new StatusException(StatusCode.INTERNAL,
                    method.fullName() + " is " + method.kind() + ", not unary"));
        }
        long startNanos = System.nanoTime();
        long timeoutMillis = options.timeout() == null ? 0 : Math.max(1, options.timeout().toMillis());
        GrpcClientUnaryCall<Resp> call = new GrpcClientUnaryCall<>(method.fullName(), method.responses(),
                options.responseMetadata());
        ByteBuf framed;
        try {
            ByteBuf payload = method.requests().serialize(request, ByteBufAllocator.DEFAULT);
            framed = new GrpcMessageFramer(ByteBufAllocator.DEFAULT, GrpcCompression.IDENTITY,
                    resources.settings().grpc().maxMessageSize()).frame(payload);
        } catch (StatusException e) {
            call.fail(e.status());
            return call;
        } catch (RuntimeException e) {
            call.fail(Status.of(StatusCode.INTERNAL, "cannot serialize request of " + method.fullName() + ": " + e));
            return call;
        }
        pool.connection().whenComplete((connection, err) -> {
            if (err != null) {
                framed.release();
                call.fail(Status.fromThrowable(err));
                return;
            }
            long remaining = timeoutMillis;
            if (timeoutMillis > 0) {
                remaining = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
                if (remaining <= 0) {
                    framed.release();
                    call.fail(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of " + timeoutMillis
                            + " ms exceeded before sending"));
                    return;
                }
            }
            long budget = remaining;
            GrpcClientStreamHandler handler = new GrpcClientStreamHandler(call, resources.settings().grpc(),
                    Integer.MAX_VALUE, timeoutMillis > 0 ? startNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0);
            open(connection, handler).whenComplete((stream, openErr) -> {
                if (openErr != null) {
                    framed.release();
                    call.fail(CallRefusals.cannotOpenStream(openErr));
                    return;
                }
                if (!call.attach(stream, timeoutMillis, budget)) {
                    framed.release();
                    return;
                }
                stream.write(new DefaultHttp2HeadersFrame(requestHeaders(connection, method.fullName(),
                        options.metadata(), budget), false));
                stream.writeAndFlush(new DefaultHttp2DataFrame(framed, true));
            });
        });
        return call;
    }

    /** A streaming call as a flow; each materialization opens one HTTP/2 stream. */
    public static <Req, Resp> Flow<Req, Resp, NotUsed> stream(EndpointPool pool, NettyResources resources,
                                                              MethodDescriptor<Req, Resp> method, CallOptions options) {
        if (method.kind() == CallKind.UNARY) {
            throw new IllegalArgumentException(method.fullName() + " is unary; use unary()");
        }
        TransportSettings settings = resources.settings();
        CallOpener opener = (name, kind, metadata, deadlineNanos, window, inbound) -> pool.connection()
                .thenCompose(connection -> {
                    GrpcClientStreamHandler handler = new GrpcClientStreamHandler(inbound,
                            settings.grpc(), settings.streamWindow(), deadlineNanos);
                    return open(connection, handler).thenCompose(stream -> {
                        CompletableFuture<CallWire> ready = new CompletableFuture<>();
                        // On the stream's event loop, in one task: the headers go out before anything the
                        // stage writes once it knows its wire, and no answer can be read before onOpened.
                        stream.eventLoop().execute(() -> {
                            CallWire wire = new GrpcClientCallWire(stream, settings, handler);
                            stream.writeAndFlush(new DefaultHttp2HeadersFrame(requestHeaders(connection, name,
                                    metadata, CallOpener.remainingMillis(deadlineNanos)), false));
                            inbound.onOpened(wire);
                            ready.complete(wire);
                        });
                        return ready;
                    });
                });
        return Flow.fromGraph(CallStreamStage.client(method.fullName(), method.kind(), method.requests(),
                method.responses(), options.metadata(), options.timeout(), options.responseMetadata(), opener));
    }

    private static CompletableFuture<Http2StreamChannel> open(Connection connection, ChannelHandler handler) {
        CompletableFuture<Http2StreamChannel> opened = new CompletableFuture<>();
        if (!connection.isUsable()) {
            opened.completeExceptionally(CallRefusals.connectionUnusable().asException());
            return opened;
        }
        new Http2StreamChannelBootstrap(connection.channel())
                .option(io.netty.channel.ChannelOption.AUTO_READ, false)
                .handler(handler)
                .open()
                .addListener(f -> {
                    if (f.isSuccess()) {
                        opened.complete((Http2StreamChannel) f.getNow());
                    } else {
                        opened.completeExceptionally(f.cause());
                    }
                });
        return opened;
    }

    private static Http2Headers requestHeaders(Connection connection, String method, Metadata metadata,
                                               long timeoutMillis) {
        java.net.SocketAddress remote = connection.channel().remoteAddress();
        String authority = remote instanceof java.net.InetSocketAddress isa
                ? isa.getHostString() + ":" + isa.getPort() : "localhost";
        GrpcRequestHeaders.Builder headers = GrpcRequestHeaders.builder(method).authority(authority).metadata(metadata);
        if (timeoutMillis > 0) {
            headers.timeoutNanos(TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        }
        return headers.build();
    }
}
