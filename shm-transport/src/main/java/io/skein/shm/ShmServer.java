package io.skein.shm;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.skein.shm.internal.ShmServerChannels;
import io.skein.shm.ipc.DomainSockets;
import io.skein.shm.ipc.ServerMemory;
import io.skein.transport.CallAdmission;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerOptions;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.call.ServerQueues;
import io.skein.transport.internal.connection.ServerActor;
import io.skein.transport.internal.connection.ServerDrain;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.OwnedActor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An RPC server on a Unix-domain-socket path, serving a {@link MethodRegistry} over shared memory
 * (Shmipc sessions carrying Skein's native frames; {@code shm://PATH} is its client target). Calls go
 * through the same dispatcher, admission and call engine as over TCP; each session is a connection
 * owned by a connection actor under one server actor, drained at shutdown as TCP connections are.
 *
 * <p>Ownership: the server owns its listener, its socket file (removed at shutdown) and the mappings of
 * its sessions ({@link ServerMemory}); a session's memory goes when the session ends and no slice of it
 * is held any more.
 */
public final class ShmServer {

    private static final Logger log = LoggerFactory.getLogger(ShmServer.class);

    private final Channel listener;
    private final Path path;
    private final OwnedActor<ServerActor.Command> actor;
    private final ActorOwner ownOwner;
    private final ChannelGroup accepted;
    private final AtomicBoolean shuttingDown;
    private final ServerDispatcher dispatcher;
    private final ServerMemory memory;
    private final ShmStats stats;

    private ShmServer(Channel listener, Path path, OwnedActor<ServerActor.Command> actor, ActorOwner ownOwner,
                      ChannelGroup accepted, AtomicBoolean shuttingDown, ServerDispatcher dispatcher, ServerMemory memory,
                      ShmStats stats) {
        this.listener = listener;
        this.path = path;
        this.actor = actor;
        this.ownOwner = ownOwner;
        this.accepted = accepted;
        this.shuttingDown = shuttingDown;
        this.dispatcher = dispatcher;
        this.memory = memory;
        this.stats = stats;
    }

    /** Listens on {@code path} and serves {@code registry}; completes once bound. */
    public static CompletionStage<ShmServer> start(ActorSystem<?> system, Path path, MethodRegistry registry,
                                                   ServerOptions options) {
        requireNonNull(system, "system");
        requireNonNull(path, "path");
        requireNonNull(registry, "registry");
        requireNonNull(options, "options");
        NettyResources resources = NettyResources.get(system);
        ShmSettings settings = ShmSettings.fromConfig(system.settings().config(), resources.settings());
        CallAdmission admission = options.admission();
        ActorOwner ownOwner = options.owner() == null ? ActorOwner.create(system, "skein-shm-server") : null;
        ActorOwner owner = ownOwner != null ? ownOwner : options.owner();
        OwnedActor<ServerActor.Command> actor = owner.spawn("shm-server", ServerActor.create(owner.supervision()), false);
        ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        // The same bounded queues (skein.transport.server-queues) as a TCP port.
        ServerQueues queues = new ServerQueues(registry, resources.settings().queues());
        ServerDispatcher dispatcher = new ServerDispatcher(registry, admission, options.interceptors(), queues,
                resources.materializer(), options.observer());
        ServerMemory memory = new ServerMemory(settings.session().maxMappingSize());
        AtomicBoolean shuttingDown = new AtomicBoolean();
        ShmStats stats = new ShmStats();
        CompletableFuture<ShmServer> result = new CompletableFuture<>();
        ChannelFuture bind;
        try {
            bind = DomainSockets.bind(ShmServerChannels.eventLoops(resources), path, ch -> {
                if (!admission.acceptConnection(ch.remoteAddress())) {
                    log.debug("shared-memory connection refused by {}", admission);
                    ch.close();
                    return;
                }
                ch.closeFuture().addListener(f -> admission.connectionClosed(ch.remoteAddress()));
                accepted.add(ch);
                ShmServerChannels.init(ch, settings, resources.settings(), memory, dispatcher, stats, connection -> {
                    if (shuttingDown.get()) {
                        connection.sendGoAway("server shutting down");
                        connection.drain(() -> connection.channel().close());
                    }
                    actor.tell(new ServerActor.ConnectionOpened(connection));
                });
            });
        } catch (IOException | RuntimeException e) {
            actor.tell(new ServerActor.Stop());
            if (ownOwner != null) {
                ownOwner.closeAsync();
            }
            return CompletableFuture.failedFuture(e);
        }
        bind.addListener(f -> {
            if (f.isSuccess()) {
                log.info("Skein shared-memory server listening on {}", path);
                result.complete(new ShmServer(bind.channel(), path, actor, ownOwner, accepted, shuttingDown, dispatcher,
                        memory, stats));
            } else {
                actor.tell(new ServerActor.Stop());
                if (ownOwner != null) {
                    ownOwner.closeAsync();
                }
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    /** The socket path this server listens on ({@code shm://} + this is its target). */
    public Path path() {
        return path;
    }

    /** The {@code shm://} target of this server. */
    public String target() {
        return "shm://" + path.toAbsolutePath();
    }

    /** Connections and calls in flight. */
    public CompletionStage<ServerActor.Load> load() {
        return actor.ask(ServerActor.GetLoad::new, Duration.ofSeconds(5));
    }

    /**
     * {@code [free, total]} slices in the buffer regions of the sessions right now: at rest every slice is
     * free, so {@code free < total} with no call in flight means a slice was not given back.
     */
    public int[] slices() {
        return memory.slices();
    }

    /** How the frames this server wrote went out: in place (zero copy), copied, or over the socket. */
    public ShmStats stats() {
        return stats;
    }

    /** Buffer regions mapped for sessions right now. */
    public int mappedRegions() {
        return memory.mapped();
    }

    /**
     * Stops listening (removing the socket file), sends GOAWAY on every session, lets calls in flight
     * finish for at most {@code exitWait}, then closes every session; new calls meanwhile get UNAVAILABLE.
     */
    public CompletionStage<Done> shutdown(Duration exitWait) {
        requireNonNull(exitWait, "exitWait");
        CompletableFuture<Done> done = new CompletableFuture<>();
        shuttingDown.set(true);
        dispatcher.shutDown(); // no call starts from here, before each session hears of its drain
        listener.close().addListener(f -> {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                log.debug("could not remove {}: {}", path, e.toString());
            }
            List<Channel> sessions = List.copyOf(accepted);
            ServerDrain.drainAndStop(actor, exitWait, accepted, ownOwner, "shared-memory server " + path)
                    .thenCompose(d -> afterInactive(sessions))
                    .thenRun(() -> done.complete(Done.getInstance()));
        });
        return done;
    }

    /**
     * Completes once every session's event loop has run the tasks queued by closing it: Netty completes a
     * channel's close future before it queues {@code channelInactive}, which is where a session gives its
     * memory back, so shutdown waits two turns of each loop (the first may be queued from a close-future
     * listener, ahead of that task) and completes with every region unmapped.
     */
    private static CompletableFuture<Void> afterInactive(List<Channel> sessions) {
        CompletableFuture<?>[] turns = sessions.stream().map(ch -> {
            CompletableFuture<Void> turn = new CompletableFuture<>();
            onLoop(ch, () -> onLoop(ch, () -> turn.complete(null), turn), turn);
            return turn;
        }).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(turns);
    }

    private static void onLoop(Channel ch, Runnable task, CompletableFuture<Void> turn) {
        try {
            ch.eventLoop().execute(task);
        } catch (RejectedExecutionException stopped) {
            turn.complete(null);
        }
    }
}
