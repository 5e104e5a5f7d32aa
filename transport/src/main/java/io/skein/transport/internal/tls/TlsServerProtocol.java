package io.skein.transport.internal.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.connection.ProtocolDetector;
import io.skein.transport.internal.connection.ServerProtocol;
import io.skein.transport.tls.TlsSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.annotation.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS under every protocol of a server port. It claims a connection whose first bytes are a TLS
 * handshake record carrying a ClientHello, installs an {@link SslHandler} from the server's current
 * (reloadable) context, and hands the decrypted stream to a {@link ProtocolDetector} over the same
 * protocols the port speaks in plaintext: the protocols themselves know nothing of TLS. ALPN ("h2",
 * "skein") is negotiated for clients that need it (grpc-java insists on h2); the protocol is still
 * chosen by the decrypted first bytes, so a client without ALPN works too.
 *
 * <p>Bounds: each handshake must finish within {@code handshake-timeout} (the SslHandler closes the
 * connection), and at most {@code max-concurrent-handshakes} run at once on this server; a TLS
 * connection beyond that is closed as it is recognised. One instance per server, shared by its
 * connections; the handshake count is the only mutable state (atomic).
 */
@InternalApi
public final class TlsServerProtocol implements ServerProtocol {

    private static final Logger log = LoggerFactory.getLogger(TlsServerProtocol.class);

    /** The status of a plaintext call on a port that requires TLS. */
    public static final Status TLS_REQUIRED = Status.of(StatusCode.UNAVAILABLE,
            "this server requires TLS; connect with skeins:// or grpcs://");

    private final TlsSettings.Server settings;
    private final ReloadingSslContext context;
    private final List<ServerProtocol> inner;
    private final AtomicInteger handshakes = new AtomicInteger();

    private TlsServerProtocol(TlsSettings.Server settings, ReloadingSslContext context, List<ServerProtocol> inner) {
        this.settings = settings;
        this.context = context;
        this.inner = List.copyOf(inner);
    }

    /**
     * The protocols of a port with {@code settings}: {@code plaintext} as they are when TLS is off; TLS
     * (over {@code plaintext}) and {@code plaintext} when it is optional; TLS and {@code plaintext}
     * refusing every call with {@link #TLS_REQUIRED} when it is required.
     */
    public static List<ServerProtocol> protocols(TlsSettings.Server settings, ReloadingSslContext context,
                                                 List<ServerProtocol> plaintext) {
        if (!settings.enabled()) {
            return List.copyOf(plaintext);
        }
        List<ServerProtocol> all = new ArrayList<>();
        all.add(new TlsServerProtocol(settings, context, plaintext));
        for (ServerProtocol p : plaintext) {
            all.add(settings.mode() == TlsSettings.Mode.REQUIRED ? new PlaintextRefused(p) : p);
        }
        return List.copyOf(all);
    }

    /** Handshakes in progress on this server. */
    public int handshakesInProgress() {
        return handshakes.get();
    }

    @Override
    public String name() {
        return "tls";
    }

    @Override
    public int prefixLength() {
        return 6;
    }

    /** A TLS record of type handshake (22), version 3.x (x at most 4), whose first message is a ClientHello (1). */
    @Override
    public boolean matches(ByteBuf first) {
        int i = first.readerIndex();
        return first.getUnsignedByte(i) == 0x16 && first.getUnsignedByte(i + 1) == 0x03
                && first.getUnsignedByte(i + 2) <= 0x04 && first.getUnsignedByte(i + 5) == 0x01;
    }

    @Override
    public void install(ChannelHandlerContext ctx, ServerDispatcher dispatcher, Consumer<Connection> onOpen) {
        if (handshakes.incrementAndGet() > settings.maxConcurrentHandshakes()) {
            handshakes.decrementAndGet();
            log.warn("TLS connection from {} closed: {} handshakes already in progress (skein.tls.server.max-concurrent-handshakes)",
                    ctx.channel().remoteAddress(), settings.maxConcurrentHandshakes());
            ctx.close();
            return;
        }
        long timeout = settings.common().handshakeTimeout().toMillis();
        SslHandler ssl = context.current().newHandler(ctx.alloc());
        ssl.setHandshakeTimeoutMillis(timeout);
        // Completes exactly once: handshake done, failed, timed out, or the channel closed before.
        ssl.handshakeFuture().addListener(f -> handshakes.decrementAndGet());
        String base = ctx.name();
        ctx.pipeline().addAfter(base, "tls", ssl);
        ctx.pipeline().addAfter("tls", "tls-handshake", new TlsHandshakeHandler());
        ctx.pipeline().addAfter("tls-handshake", "tls-detector", new ProtocolDetector(inner, dispatcher, onOpen, timeout));
    }

    /** A plaintext protocol on a port that requires TLS: recognised as usual, every call refused with TLS_REQUIRED. */
    private record PlaintextRefused(ServerProtocol plaintext) implements ServerProtocol {
        @Override
        public String name() {
            return plaintext.name() + " (plaintext refused)";
        }

        @Override
        public int prefixLength() {
            return plaintext.prefixLength();
        }

        @Override
        public boolean matches(ByteBuf first) {
            return plaintext.matches(first);
        }

        @Override
        public void install(ChannelHandlerContext ctx, ServerDispatcher dispatcher, Consumer<Connection> onOpen) {
            log.debug("plaintext {} connection from {} on a port that requires TLS: its calls are refused",
                    plaintext.name(), ctx.channel().remoteAddress());
            plaintext.install(ctx, dispatcher.refusingAll(TLS_REQUIRED), onOpen);
        }
    }
}
