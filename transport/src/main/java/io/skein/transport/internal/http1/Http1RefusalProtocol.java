package io.skein.transport.internal.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.connection.ServerProtocol;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.pekko.annotation.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain HTTP/1.x on an RPC port (someone pointed curl or a browser at it): recognised by a request
 * method as the first bytes and answered with one short {@code 505 HTTP Version Not Supported} that
 * names the protocols the port speaks, then the connection is closed. Nothing is dispatched: the port
 * serves no HTTP/1.1 calls. Logged at DEBUG, once per connection; no bytes are dumped.
 *
 * <p>The handler runs on the connection's event loop; it writes the answer once and discards the rest.
 */
@InternalApi
public final class Http1RefusalProtocol implements ServerProtocol {

    private static final Logger log = LoggerFactory.getLogger(Http1RefusalProtocol.class);
    // "PRI " (the HTTP/2 preface) is not among them: gRPC claims it.
    private static final List<String> METHODS = List.of("GET ", "HEAD", "POST", "PUT ", "DELE", "OPTI", "PATC",
            "CONN", "TRAC");

    private final byte[] answer;

    /** @param spoken the protocols the port does speak (their descriptions name them in the answer) */
    public Http1RefusalProtocol(List<ServerProtocol> spoken) {
        String body = "This port speaks " + spoken.stream().map(ServerProtocol::description)
                .collect(Collectors.joining(" and ")) + ", not HTTP/1.1.\n";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 505 HTTP Version Not Supported\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + bytes.length + "\r\n"
                + "Connection: close\r\n\r\n";
        this.answer = (head + body).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String name() {
        return "http1";
    }

    @Override
    public int prefixLength() {
        return 4;
    }

    @Override
    public boolean matches(ByteBuf first) {
        String start = first.toString(first.readerIndex(), 4, StandardCharsets.US_ASCII);
        return METHODS.contains(start);
    }

    @Override
    public void install(ChannelHandlerContext ctx, ServerDispatcher dispatcher, Consumer<Connection> onOpen) {
        ctx.pipeline().addLast("http1-refusal", new Refusal());
    }

    /** Answers once, discards everything, closes after the answer is written. */
    private final class Refusal extends ChannelInboundHandlerAdapter {
        private boolean answered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            if (!answered) {
                answered = true;
                log.debug("answered HTTP/1.x from {} with 505: the port does not serve HTTP/1.1",
                        ctx.channel().remoteAddress());
                ctx.writeAndFlush(Unpooled.wrappedBuffer(answer)).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("HTTP/1.x connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
