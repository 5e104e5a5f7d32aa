package io.skein.shm.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.skein.shm.ShmSettings;
import io.skein.shm.ShmStats;
import io.skein.shm.ipc.ClientMemory;
import io.skein.shm.ipc.DomainSockets;
import io.skein.shm.ipc.ShmipcSession;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.connection.ClientProtocol;
import io.skein.transport.internal.nativeproto.NativeClientProtocol;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.annotation.InternalApi;

/**
 * Skein's native protocol over a Shmipc session ({@code shm://PATH}): every call kind, deadlines,
 * cancellation, metadata and credits exactly as over TCP, because the same native handlers run on top
 * and only the framing below them differs. A connection is made by creating the session's shared
 * memory (off the event loop: it reserves every page), connecting the Unix socket, and completing
 * the handshake; the pool gets the transport only once the session is ready.
 */
@InternalApi
public final class ShmClientProtocol implements ClientProtocol {

    private final ShmSettings settings;
    private final ShmStats stats = new ShmStats();

    public ShmClientProtocol(ShmSettings settings) {
        this.settings = settings;
    }

    /** How the frames of this protocol's connections went out. */
    public ShmStats stats() {
        return stats;
    }

    @Override
    public String name() {
        return "shm";
    }

    @Override
    public ClientTransport install(Channel channel, TransportSettings transport, Runnable onGoAway) {
        throw new UnsupportedOperationException("shared-memory connections are made by connect()");
    }

    @Override
    public int maxMessageSize(TransportSettings transport) {
        return transport.maxMessageSize();
    }

    @Override
    public CompletionStage<ClientTransport> connect(NettyResources resources, SocketAddress address, Runnable onChanged) {
        EventLoopGroup group = eventLoops(resources);
        Path socket = Path.of(((DomainSocketAddress) address).path());
        TransportSettings transport = resources.settings();
        Executor blocking = resources.system().dispatchers().lookup(DispatcherSelector.blocking());
        CompletableFuture<ClientTransport> result = new CompletableFuture<>();
        CompletableFuture.supplyAsync(() -> {
            try {
                return ClientMemory.create(settings.session());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot create shared memory under "
                        + settings.session().pathPrefix() + ": " + e.getMessage(), e);
            }
        }, blocking).thenCompose(memory -> {
            ShmFrameReader reader = new ShmFrameReader(transport.maxFrameSize());
            ClientTransport[] made = new ClientTransport[1];
            ChannelFuture connect;
            try {
                connect = DomainSockets.connect(group, socket, (int) transport.connectTimeout().toMillis(), ch -> {
                    ShmAllocator allocator = new ShmAllocator(ch.alloc(), settings.headerRoom());
                    ch.config().setAllocator(allocator);
                    ShmipcSession session = ShmipcSession.installClient(ch.pipeline(), settings.session(), memory, reader);
                    allocator.session(session);
                    ShmFrameWriter writer = new ShmFrameWriter(session, stats);
                    ch.pipeline().addLast("shm-writer", writer);
                    made[0] = NativeClientProtocol.installFrameHandler(ch, transport, onChanged);
                    writer.connection(made[0].connection());
                });
            } catch (RuntimeException e) {
                memory.close();
                return CompletableFuture.failedFuture(e);
            }
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    memory.close(); // idempotent: a session installed on the channel closes it too
                    reader.ready().completeExceptionally(f.cause());
                }
            });
            return reader.ready().thenApply(session -> made[0]);
        }).whenComplete((made, failure) -> {
            if (failure == null) {
                result.complete(made);
            } else {
                result.completeExceptionally(clear(failure, socket));
            }
        });
        return result;
    }

    /** A failed connection attempt as one clear reason ({@code cannot connect to PATH: <this message>}). */
    private static Throwable clear(Throwable failure, Path socket) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof java.io.UncheckedIOException) && t.getCause() != null) {
            if (t instanceof java.io.UncheckedIOException && t.getMessage() != null) {
                return new java.io.IOException(t.getMessage(), t.getCause());
            }
            t = t.getCause();
        }
        if (!Files.exists(socket)) {
            return new java.net.ConnectException("no shared-memory server: the socket file does not exist");
        }
        if (t.getMessage() == null || t instanceof java.io.FileNotFoundException) {
            return new java.net.ConnectException("connection refused (" + t.getClass().getSimpleName() + ")");
        }
        return t;
    }

    /** The shared-memory event loops of {@code resources}' actor system (native epoll, polling sessions). */
    static EventLoopGroup eventLoops(NettyResources resources) {
        return ShmEventLoops.get(resources.system()).group();
    }
}
