package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.call.ServerQueues;
import io.skein.transport.internal.connection.ServerActor;
import io.skein.transport.internal.connection.ServerDrain;
import io.skein.transport.internal.connection.ServerChannels;
import io.skein.transport.internal.connection.ServerProtocol;
import io.skein.transport.internal.grpc.GrpcServerProtocol;
import io.skein.transport.internal.http1.Http1RefusalProtocol;
import io.skein.transport.internal.nativeproto.NativeServerProtocol;
import io.skein.transport.internal.tls.ReloadingSslContext;
import io.skein.transport.internal.tls.TlsServerProtocol;
import io.skein.transport.tls.TlsSettings;
import java.util.List;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.OwnedActor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An RPC server on one TCP port, serving the methods of a {@link MethodRegistry} in every protocol the
 * port speaks: Skein's native protocol (TTHeader, which Kitex clients speak too) and gRPC over HTTP/2,
 * told apart by a connection's first bytes, each also over TLS when the port's TLS is on
 * ({@code skein.tls.server} or {@link ServerOptions.Builder#tls}). Connections are owned by connection actors under one
 * server actor; every call of every protocol goes through one dispatcher.
 *
 * <pre>{@code
 * RpcServer server = RpcServer.start(system, new InetSocketAddress("127.0.0.1", 0), registry)
 *         .toCompletableFuture().join();
 * int port = server.localAddress().getPort();
 * ...
 * server.shutdown(Duration.ofSeconds(5));
 * }</pre>
 */
public final class RpcServer {

    private static final Logger log = LoggerFactory.getLogger(RpcServer.class);

    private final ActorSystem<?> system;
    private final Channel serverChannel;
    private final OwnedActor<ServerActor.Command> actor;
    private final ActorOwner ownOwner; // the owner this server made for itself, or null under a given one
    private final InetSocketAddress localAddress;
    // Every accepted channel, including those whose protocol is not known yet (the server actor only
    // learns of a connection once its first bytes arrived). Closed channels leave the group by themselves.
    private final ChannelGroup accepted;
    private final AtomicBoolean shuttingDown;
    private final ServerDispatcher dispatcher;
    private final ReloadingSslContext tls; // null without TLS
    private final ServerQueues queues;

    private RpcServer(ActorSystem<?> system, Channel serverChannel, OwnedActor<ServerActor.Command> actor,
                      ActorOwner ownOwner, ChannelGroup accepted, AtomicBoolean shuttingDown,
                      ServerDispatcher dispatcher, ReloadingSslContext tls, ServerQueues queues) {
        this.tls = tls;
        this.system = system;
        this.serverChannel = serverChannel;
        this.actor = actor;
        this.ownOwner = ownOwner;
        this.accepted = accepted;
        this.shuttingDown = shuttingDown;
        this.dispatcher = dispatcher;
        this.queues = queues;
        this.localAddress = (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Binds {@code address} (port 0 picks a free port) and serves {@code registry} on it.
     * Completes once the port is bound.
     */
    public static CompletionStage<RpcServer> start(ActorSystem<?> system, InetSocketAddress address,
                                                     MethodRegistry registry) {
        return start(system, address, registry, ServerOptions.DEFAULT);
    }

    /**
     * Like {@link #start(ActorSystem, InetSocketAddress, MethodRegistry)}, with {@code options}: the
     * {@linkplain ServerOptions#admission() admission} is asked for every accepted connection and, before
     * the request is decoded, for every call (server limits), after the
     * {@linkplain ServerOptions#interceptors() interceptors}; the port's TLS is the options' or
     * {@code skein.tls.server}'s. Fails with {@link IllegalArgumentException} when TLS is on and its key
     * material cannot be loaded.
     */
    public static CompletionStage<RpcServer> start(ActorSystem<?> system, InetSocketAddress address,
                                                     MethodRegistry registry, ServerOptions options) {
        requireNonNull(system, "system");
        requireNonNull(address, "address");
        requireNonNull(registry, "registry");
        requireNonNull(options, "options");
        CallAdmission admission = options.admission();
        NettyResources resources = NettyResources.get(system);
        TransportSettings settings = resources.settings();
        ActorOwner ownOwner = options.owner() == null ? ActorOwner.create(system, "skein-server") : null;
        ActorOwner owner = ownOwner != null ? ownOwner : options.owner();
        // A restart keeps the connection actors: they own live connections the server still drains.
        OwnedActor<ServerActor.Command> actor = owner.spawn("server", ServerActor.create(owner.supervision()), false);
        ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        TlsSettings.Server tlsSettings;
        ReloadingSslContext tls;
        try {
            tlsSettings = options.tls() != null ? options.tls() : TlsSettings.Server.fromConfig(system.settings().config());
            tls = tlsSettings.enabled() ? ReloadingSslContext.server(tlsSettings).watch(system) : null;
        } catch (RuntimeException e) {
            actor.tell(new ServerActor.Stop());
            if (ownOwner != null) {
                ownOwner.closeAsync();
            }
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        ServerQueues queues = new ServerQueues(registry, settings.queues());
        ServerDispatcher dispatcher = new ServerDispatcher(registry, admission, options.interceptors(), queues,
                resources.materializer(), options.observer());
        List<ServerProtocol> spoken = List.of(new NativeServerProtocol(settings), new GrpcServerProtocol(settings));
        // Plain HTTP/1.x gets a short answer naming what the port speaks instead of a silent close.
        List<ServerProtocol> protocols = TlsServerProtocol.protocols(tlsSettings, tls,
                List.of(spoken.get(0), spoken.get(1), new Http1RefusalProtocol(spoken)));
        AtomicBoolean shuttingDown = new AtomicBoolean();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(resources.group())
                .channel(resources.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        settings.writeBufferLowWaterMark(), settings.writeBufferHighWaterMark()))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SocketAddress peer = ch.remoteAddress();
                        if (!admission.acceptConnection(peer)) {
                            // Refused before any handler is installed: nothing is read, nothing to drain.
                            log.debug("connection from {} refused by {}", peer, admission);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> admission.connectionClosed(peer));
                        accepted.add(ch);
                        ServerChannels.initAccepted(ch, protocols, dispatcher, settings.handshakeTimeout(),
                                shuttingDown::get, connection -> actor.tell(new ServerActor.ConnectionOpened(connection)));
                    }
                });
        CompletableFuture<RpcServer> result = new CompletableFuture<>();
        ChannelFuture bind = bootstrap.bind(address);
        bind.addListener(f -> {
            if (f.isSuccess()) {
                RpcServer server = new RpcServer(system, bind.channel(), actor, ownOwner, accepted, shuttingDown,
                        dispatcher, tls, queues);
                log.info("Skein server listening on {}{}", server.localAddress,
                        tls == null ? "" : " (TLS " + tlsSettings.mode().name().toLowerCase(java.util.Locale.ROOT)
                                + ", client certificates " + tlsSettings.clientAuth().name().toLowerCase(java.util.Locale.ROOT)
                                + ", " + (tls.current() instanceof io.netty.handler.ssl.OpenSslContext ? "BoringSSL" : "JDK TLS")
                                + ")");
                result.complete(server);
            } else {
                if (tls != null) {
                    tls.stop();
                }
                actor.tell(new ServerActor.Stop());
                if (ownOwner != null) {
                    ownOwner.closeAsync();
                }
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The server's actor (under its owner), for tests that check supervision. */
    @org.apache.pekko.annotation.InternalApi
    public OwnedActor<ServerActor.Command> actor() {
        return actor;
    }

    /**
     * Re-reads the TLS key material now if its files changed (as the periodic check does); true when new
     * material was loaded for new connections. False without TLS.
     */
    public boolean reloadTls() {
        return tls != null && tls.reloadIfChanged();
    }

    /**
     * The bounded queues inside this server ({@code skein.transport.server-queues}): what each holds, its
     * peak and the calls it refused; read now, without a message.
     */
    public ServerQueueStats queues() {
        return queues.stats();
    }

    /** Connections and calls in flight. */
    public CompletionStage<ServerActor.Load> load() {
        return actor.ask(ServerActor.GetLoad::new, Duration.ofSeconds(5));
    }

    /**
     * Stops accepting connections, sends GOAWAY on every connection, lets calls in flight finish for
     * at most {@code exitWait}, then closes every connection. New calls meanwhile get UNAVAILABLE.
     */
    public CompletionStage<Done> shutdown(Duration exitWait) {
        requireNonNull(exitWait, "exitWait");
        CompletableFuture<Done> done = new CompletableFuture<>();
        // Fix (tests: ConnectionLifecycleTest): connections that had not sent their first bytes yet were
        // unknown to the server actor, so they were neither drained nor closed and served calls after
        // shutdown. They carry no calls: close them now; any detected from here on is drained at once.
        shuttingDown.set(true);
        dispatcher.shutDown(); // no call starts from here, before each connection hears of its drain
        if (tls != null) {
            tls.stop();
        }
        serverChannel.close().addListener(f -> {
            accepted.forEach(ServerChannels::closeIfUndetected);
            ServerDrain.drainAndStop(actor, exitWait, accepted, ownOwner, "server " + localAddress)
                    .thenRun(() -> done.complete(Done.getInstance()));
        });
        return done;
    }
}
