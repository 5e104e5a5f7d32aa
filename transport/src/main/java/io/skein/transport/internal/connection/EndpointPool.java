package io.skein.transport.internal.connection;

import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallRefusals;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.call.TransportSource;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.OwnedActor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The connections a client keeps to one endpoint, in one {@link ClientProtocol}. An actor owns the
 * pool (connecting, replacing lost connections, closing) and publishes the usable connections as an
 * immutable snapshot, so the hot path picks a transport with a volatile read and no mailbox hop.
 *
 * <p>Ownership: the pool actor and one connection actor per connection live under this pool's
 * {@link ActorOwner} ({@code /system/skein-channel-<protocol>-<n>/pool-1/connection-<k>}), supervised
 * with restart; {@link #close} stops the subtree. The pool's state lives in this object, so a restarted
 * pool actor keeps its connections and the callers waiting for one.
 */
public final class EndpointPool implements TransportSource {

    private final SocketAddress address;
    private final NettyResources resources;
    private final ActorOwner owner;
    private final OwnedActor<Command> actor;
    // The pool actor's state, kept here so that a restarted actor (supervised, see ActorOwner) resumes
    // with the same connections and waiting callers: touched by the pool actor only.
    private final List<ClientTransport> connections = new ArrayList<>();
    private final List<CompletableFuture<ClientTransport>> waiting = new ArrayList<>();
    private int connecting;
    private int childCounter;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private volatile ClientTransport[] live = new ClientTransport[0];
    // Set by callers that saw the pool below size, cleared by the actor once it tops the pool up.
    private volatile boolean growRequested;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

    private final ClientProtocol protocol;
    private final io.skein.transport.observe.CallObserver observer;

    public EndpointPool(NettyResources resources, SocketAddress address, ClientProtocol protocol) {
        this(resources, address, protocol, io.skein.transport.observe.CallObserver.NONE);
    }

    /** A pool whose connections (opened, closed) {@code observer} watches. */
    public EndpointPool(NettyResources resources, SocketAddress address, ClientProtocol protocol,
                        io.skein.transport.observe.CallObserver observer) {
        this.observer = observer;
        this.resources = resources;
        this.address = address;
        this.protocol = protocol;
        this.owner = ActorOwner.create(resources.system(), "skein-channel-" + protocol.name());
        // A restart keeps the connection actors: they own live connections the pool still publishes.
        this.actor = owner.spawn("pool", Behaviors.setup(PoolActor::new), false);
    }

    /** The pool's actor (for tests that check its supervision). */
    public CompletionStage<? extends ActorRef<?>> actorRef() {
        return actor.ref();
    }

    /** The owner of this pool's actors (the pool and its connection actors); closed with the pool. */
    public ActorOwner owner() {
        return owner;
    }

    public SocketAddress address() {
        return address;
    }

    public ClientProtocol protocol() {
        return protocol;
    }

    @Override
    public ClientTransport ready() {
        ClientTransport[] snapshot = live;
        int n = snapshot.length;
        if (n > 0) {
            ClientTransport t = snapshot[(roundRobin.getAndIncrement() & Integer.MAX_VALUE) % n];
            if (t.connection().isUsable()) {
                if (n < resources.settings().connectionsPerEndpoint() && !growRequested) {
                    growRequested = true;
                    actor.tell(new Grow());
                }
                return t;
            }
        }
        return null;
    }

    @Override
    public CompletionStage<ClientTransport> acquire() {
        if (closed) {
            return CompletableFuture.failedFuture(new StatusException(StatusCode.UNAVAILABLE, "client closed"));
        }
        CompletableFuture<ClientTransport> result = new CompletableFuture<>();
        actor.tell(new Acquire(result));
        return result;
    }

    /**
     * Closes every connection, fails callers still waiting for one, and stops the pool's subtree;
     * completes once it has stopped. Idempotent.
     */
    public CompletionStage<Done> close() {
        if (closing.compareAndSet(false, true)) {
            actor.tell(new Close());
        }
        return owner.whenTerminated();
    }

    private interface Command {
    }

    private record Acquire(CompletableFuture<ClientTransport> result) implements Command {
    }

    private record Grow() implements Command {
    }

    private record Connected(ClientTransport transport) implements Command {
    }

    private record ConnectFailed(Throwable cause) implements Command {
    }

    private record Changed() implements Command {
    }

    private record Close() implements Command {
    }

    private final class PoolActor extends AbstractBehavior<Command> {

        PoolActor(ActorContext<Command> context) {
            super(context);
            // After a restart: callers may be waiting for a connection nobody is making any more.
            publish();
            if (!waiting.isEmpty() && live.length == 0 && connecting == 0) {
                connect();
            } else if (!waiting.isEmpty() && live.length > 0) {
                waiting.forEach(w -> w.complete(live[(roundRobin.getAndIncrement() & Integer.MAX_VALUE) % live.length]));
                waiting.clear();
            }
        }

        @Override
        public Receive<Command> createReceive() {
            return newReceiveBuilder()
                    .onMessage(Acquire.class, this::onAcquire)
                    .onMessage(Grow.class, g -> {
                        fill();
                        return this;
                    })
                    .onMessage(Connected.class, this::onConnected)
                    .onMessage(ConnectFailed.class, this::onConnectFailed)
                    .onMessage(Changed.class, c -> {
                        publish();
                        return this;
                    })
                    .onMessage(Close.class, this::onClose)
                    .build();
        }

        private Behavior<Command> onAcquire(Acquire acquire) {
            publish();
            ClientTransport[] snapshot = live;
            if (snapshot.length > 0) {
                acquire.result().complete(snapshot[(roundRobin.getAndIncrement() & Integer.MAX_VALUE) % snapshot.length]);
            } else {
                waiting.add(acquire.result());
                if (connecting == 0) {
                    connect();
                }
            }
            fill();
            return this;
        }

        private void fill() {
            growRequested = false;
            publish();
            while (live.length + connecting < resources.settings().connectionsPerEndpoint()) {
                connect();
            }
        }

        private void connect() {
            connecting++;
            ActorRef<Command> self = getContext().getSelf();
            CompletionStage<ClientTransport> connected;
            try {
                connected = protocol.connect(resources, address, () -> self.tell(new Changed()));
            } catch (RuntimeException e) {
                connected = CompletableFuture.failedFuture(e);
            }
            connected.whenComplete((t, err) -> {
                if (err == null && closed) {
                    t.connection().channel().close(); // the pool closed while this connection was being made
                } else if (err == null) {
                    observer.connectionOpened(protocol.name(), false);
                    t.connection().channel().closeFuture().addListener(cf -> {
                        observer.connectionClosed(protocol.name(), false);
                        self.tell(new Changed());
                    });
                    self.tell(new Connected(t));
                } else {
                    self.tell(new ConnectFailed(err));
                }
            });
        }

        private Behavior<Command> onConnected(Connected connected) {
            connecting--;
            connections.add(connected.transport());
            getContext().spawn(owner.supervision().supervise(ConnectionActor.create(connected.transport().connection())),
                    "connection-" + (++childCounter));
            publish();
            ClientTransport[] snapshot = live;
            for (CompletableFuture<ClientTransport> w : waiting) {
                w.complete(snapshot.length > 0 ? snapshot[(roundRobin.getAndIncrement() & Integer.MAX_VALUE) % snapshot.length]
                        : connected.transport());
            }
            waiting.clear();
            return this;
        }

        private Behavior<Command> onConnectFailed(ConnectFailed failed) {
            connecting--;
            if (connecting == 0 && live.length == 0) {
                StatusException error = CallRefusals.cannotConnect(address,
                        protocol.describeConnectFailure(failed.cause())).asException();
                waiting.forEach(w -> w.completeExceptionally(error));
                waiting.clear();
            }
            return this;
        }

        private void publish() {
            connections.removeIf(t -> t.connection().isClosed() || !t.connection().channel().isActive());
            live = connections.stream().filter(t -> t.connection().isUsable()).toArray(ClientTransport[]::new);
        }

        private Behavior<Command> onClose(Close close) {
            closed = true;
            live = new ClientTransport[0];
            connections.forEach(t -> t.connection().channel().close());
            StatusException gone = new StatusException(StatusCode.UNAVAILABLE, "client closed");
            waiting.forEach(w -> w.completeExceptionally(gone));
            waiting.clear();
            owner.closeAsync();
            return Behaviors.same(); // the owner stops this actor and its connection actors
        }
    }
}
