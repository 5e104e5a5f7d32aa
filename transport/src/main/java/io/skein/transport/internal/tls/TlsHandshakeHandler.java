package io.skein.transport.internal.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.skein.transport.internal.call.ConnectionTls;
import io.skein.transport.tls.TlsPeer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.annotation.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right after a server connection's {@link SslHandler}: when the handshake finishes it records
 * the connection's {@link TlsPeer} as a channel attribute (read by the dispatcher for every call), and
 * it turns every TLS failure (handshake refused or timed out, a bad record later) into one logged line
 * and a closed connection instead of an exception travelling the pipeline. Other exceptions pass on.
 * On the connection's event loop.
 */
@InternalApi
public final class TlsHandshakeHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TlsHandshakeHandler.class);

    private boolean failureLogged;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                ctx.channel().attr(ConnectionTls.PEER).set(peer(ssl.engine().getSession(), ssl.applicationProtocol()));
            } else {
                logFailure(ctx, done.cause());
                ctx.close();
            }
            return; // consumed: the protocols above know nothing of TLS
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof SSLException || (cause instanceof DecoderException && cause.getCause() instanceof SSLException)) {
            logFailure(ctx, cause);
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void logFailure(ChannelHandlerContext ctx, Throwable cause) {
        if (!failureLogged) {
            failureLogged = true;
            log.warn("TLS connection from {} closed: {}", ctx.channel().remoteAddress(), TlsErrors.describe(cause));
        }
    }

    static TlsPeer peer(SSLSession session, String alpn) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate c : session.getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    chain.add(x);
                }
            }
        } catch (SSLPeerUnverifiedException none) {
            // no client certificate: a TLS peer without identity
        }
        return new TlsPeer(session.getProtocol(), session.getCipherSuite(), alpn, chain);
    }
}
