package io.skein.transport.internal.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Future;
import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.connection.ClientProtocol;
import io.skein.transport.tls.TlsSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import javax.net.ssl.SSLException;
import org.apache.pekko.annotation.InternalApi;

/**
 * A client protocol over TLS: decorates the native or gRPC {@link ClientProtocol} with an
 * {@link SslHandler} below its handlers, so the protocol itself knows nothing of TLS. The handler sends
 * the server name (SNI) and verifies it against the server's certificate unless told otherwise, offers
 * the inner protocol's ALPN id ("skein" or "h2"), and presents the client certificate when one is
 * configured (mutual TLS). A connection carries calls only once its handshake succeeded
 * ({@link #ready}); a failed handshake is a connect failure with a one-line reason.
 *
 * <p>One per endpoint channel (it knows the endpoint's name); immutable.
 */
@InternalApi
public final class TlsClientProtocol implements ClientProtocol {

    private final ClientProtocol inner;
    private final ReloadingSslContext context;
    private final TlsSettings.Client settings;
    private final InetSocketAddress address;

    /**
     * {@code inner} over TLS towards {@code address}, with the (shared, reloading) client context of
     * {@code settings} for {@code inner}'s ALPN id.
     */
    public TlsClientProtocol(ClientProtocol inner, TlsSettings.Client settings, ReloadingSslContext context,
                             InetSocketAddress address) {
        this.inner = inner;
        this.settings = settings;
        this.context = context;
        this.address = address;
    }

    /** The ALPN id of a protocol over TLS: "h2" for gRPC, "skein" for the native protocol. */
    public static String alpn(ClientProtocol protocol) {
        return protocol.name().equals("grpc") ? TlsContexts.ALPN_H2 : TlsContexts.ALPN_SKEIN;
    }

    @Override
    public String name() {
        return inner.name() + "s";
    }

    @Override
    public ClientTransport install(Channel channel, TransportSettings transportSettings, Runnable onGoAway) {
        String host = settings.serverName() != null ? settings.serverName() : address.getHostString();
        SslHandler ssl = context.current().newHandler(channel.alloc(), host, address.getPort());
        ssl.setHandshakeTimeoutMillis(settings.common().handshakeTimeout().toMillis());
        channel.pipeline().addLast("tls", ssl);
        channel.pipeline().addLast("tls-client", new FailureHandler());
        return inner.install(channel, transportSettings, onGoAway);
    }

    @Override
    public Future<?> ready(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return ssl == null ? channel.newFailedFuture(new SSLException("no TLS handler")) : ssl.handshakeFuture();
    }

    @Override
    public String describeConnectFailure(Throwable cause) {
        return "TLS handshake failed: " + TlsErrors.describe(cause);
    }

    @Override
    public int maxMessageSize(TransportSettings transportSettings) {
        return inner.maxMessageSize(transportSettings);
    }

    @Override
    public Status unsupported(String method, CallKind kind, SocketAddress to) {
        return inner.unsupported(method, kind, to);
    }

    /**
     * Keeps TLS failures from the protocol's handlers above: a failed handshake is reported through
     * {@link #ready} (and the SslHandler closes the connection), so its exception stops here; a TLS
     * failure after the handshake (an alert: the server refused the client certificate under TLS 1.3)
     * goes on as an {@link IOException} with a one-line message, which the protocols treat as a failed
     * socket.
     */
    private static final class FailureHandler extends ChannelInboundHandlerAdapter {
        private boolean handshakeDone;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                handshakeDone = done.isSuccess();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof SSLException || (cause instanceof DecoderException && cause.getCause() instanceof SSLException)) {
                if (handshakeDone) {
                    ctx.fireExceptionCaught(new TlsFailure("TLS: " + TlsErrors.describe(cause)));
                } else {
                    ctx.close();
                }
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    /** A TLS failure after the handshake, as the protocols above see it: a failed socket, in one line. */
    static final class TlsFailure extends IOException {
        TlsFailure(String message) {
            super(message);
        }

        @Override
        public String toString() {
            return getMessage();
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
