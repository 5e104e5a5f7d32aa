package io.skein.shm.ipc;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Unix-domain-socket channels for Shmipc control connections, on Netty's native epoll transport (the
 * only Netty transport with domain sockets here; Shmipc is Linux-only anyway).
 */
public final class DomainSockets {

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private DomainSockets() {
    }

    /** Fails with a one-line reason when native epoll (and so shared memory) is unavailable. */
    public static void ensureAvailable() {
        if (!Epoll.isAvailable()) {
            Throwable cause = Epoll.unavailabilityCause();
            throw new UnsupportedOperationException("shared memory transport needs Linux with Netty's native epoll: "
                    + (cause == null ? "unavailable" : cause.getMessage()));
        }
    }

    /**
     * Binds a listener on {@code path} (a stale socket file left there is removed first; any other file
     * is an error) whose accepted channels {@code init} sets up.
     */
    public static ChannelFuture bind(EventLoopGroup group, Path path, Consumer<Channel> init) throws IOException {
        ensureAvailable();
        removeStaleSocket(path);
        Files.createDirectories(path.toAbsolutePath().getParent());
        return new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        init.accept(ch);
                    }
                })
                .bind(new DomainSocketAddress(path.toFile()));
    }

    /** Connects to the listener at {@code path}; {@code init} sets the channel up before it connects. */
    public static ChannelFuture connect(EventLoopGroup group, Path path, int connectTimeoutMillis,
                                        Consumer<Channel> init) {
        ensureAvailable();
        return new Bootstrap()
                .group(group)
                .channel(EpollDomainSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        init.accept(ch);
                    }
                })
                .connect(new DomainSocketAddress(path.toFile()));
    }

    /** Removes {@code path} if it is a socket file (what a listener that died leaves behind). */
    public static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket");
        }
        Files.delete(path);
    }
}
