package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.OwnedActor;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallAdmission;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's limits as the transport's {@link CallAdmission}: max connections, and for every call
 * its method's limits (when configured) and then the server's (max concurrent calls, QPS token bucket,
 * adaptive concurrency). Over a limit a call is refused at once with {@code RESOURCE_EXHAUSTED},
 * before its request is decoded; a connection over the limit is closed as it is accepted.
 *
 * <p>Each limiter is a {@link LimiterActor} under one parent actor ({@link ServerLimitsActor}, a child of
 * the node's {@link ActorOwner}: {@code /system/skein-node-<n>/server-limits-<n>/server}); they own the
 * settings and publish what calls need, so a call costs a volatile read and a few atomic operations,
 * never a message. {@link #update} (or {@link #reload}) changes any limit at run time. The actors are
 * supervised and restart from what they published (see {@link ServerLimitsActor}); closing the owner,
 * or {@link #close}, stops them all.
 *
 * <pre>{@code
 * ActorOwner node = ActorOwner.create(system, "skein-node");
 * ServerLimiter limits = ServerLimiter.fromConfig(node);             // skein.server.limits
 * RpcServer.start(system, address, registry, ServerOptions.builder().admission(limits).build());
 * limits.update(limits.limits().withServer(LimitSettings.rate(500)));
 * }</pre>
 *
 * <p>Connections are counted over every server the limiter is given to.
 */
public final class ServerLimiter implements CallAdmission, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServerLimiter.class);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(15);

    private final OwnedActor<ServerLimitsActor.Command> actor;
    private volatile ServerLimitsActor.Published published;
    private final AtomicInteger connections = new AtomicInteger();
    private final LongAdder refusedConnections = new LongAdder();

    private ServerLimiter(ActorOwner owner, ServerLimits limits) {
        this.published = ServerLimitsActor.initial(limits);
        this.actor = owner.spawn("server-limits", ServerLimitsActor.create(() -> published, p -> published = p,
                owner.supervision()));
        log.info("server limits: {}", limits);
    }

    /** A limiter with {@code limits}, its actors under {@code owner} (the node's). */
    public static ServerLimiter create(ActorOwner owner, ServerLimits limits) {
        return new ServerLimiter(requireNonNull(owner, "owner"), requireNonNull(limits, "limits"));
    }

    /** A limiter configured by {@code skein.server.limits} of the owner's actor system config. */
    public static ServerLimiter fromConfig(ActorOwner owner) {
        requireNonNull(owner, "owner");
        return create(owner, ServerLimits.fromConfig(owner.system().settings().config()
                .getConfig("skein.server.limits")));
    }

    /** The limits last asked for. */
    public ServerLimits limits() {
        return published.limits();
    }

    /** Replaces every limit; completes once calls are held to the new ones. */
    public CompletionStage<Done> update(ServerLimits limits) {
        requireNonNull(limits, "limits");
        return actor.ask(r -> new ServerLimitsActor.Update(limits, r), ASK_TIMEOUT);
    }

    /** Re-reads {@code skein.server.limits} from {@code config} (a reloaded configuration) and applies it. */
    public CompletionStage<Done> reload(Config config) {
        requireNonNull(config, "config");
        return update(ServerLimits.fromConfig(config.getConfig("skein.server.limits")));
    }

    @Override
    public Decision admit(String method, SocketAddress peer) {
        ServerLimitsActor.Published p = published;
        Gate methodGate = p.methods().isEmpty() ? null : p.methods().get(method);
        if (methodGate != null) {
            Status refusal = methodGate.tryAcquire();
            if (refusal != null) {
                return Decision.refused(refusal);
            }
        }
        Gate serverGate = p.server();
        Status refusal = serverGate.tryAcquire();
        if (refusal != null) {
            if (methodGate != null) {
                methodGate.abort();
            }
            return Decision.refused(refusal);
        }
        int methodAhead = methodGate == null ? -1 : methodGate.commitQueued();
        int serverAhead = serverGate.commitQueued();
        return new Permit(methodGate, serverGate, methodAhead, serverAhead);
    }

    @Override
    public boolean acceptConnection(SocketAddress peer) {
        int max = published.limits().maxConnections();
        if (max <= 0) {
            connections.incrementAndGet();
            return true;
        }
        for (;;) {
            int current = connections.get();
            if (current >= max) {
                refusedConnections.increment();
                log.debug("connection from {} refused: {} of at most {} open", peer, current, max);
                return false;
            }
            if (connections.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    @Override
    public void connectionClosed(SocketAddress peer) {
        connections.decrementAndGet();
    }

    /** Counts and limits of every scope, read now without a message. */
    public ServerLimitStats stats() {
        ServerLimitsActor.Published p = published;
        Map<String, LimiterStats> methods = new HashMap<>();
        p.methods().forEach((name, gate) -> methods.put(name, gate.stats()));
        return new ServerLimitStats(connections.get(), p.limits().maxConnections(), refusedConnections.sum(),
                p.server().stats(), Map.copyOf(methods));
    }

    /**
     * Stops the limiter's actors (closing their owner stops them too). The gates stay in force with the
     * limits last published; only run-time changes and adaptive tuning end.
     */
    @Override
    public void close() {
        actor.tell(ServerLimitsActor.Stop.INSTANCE);
    }

    /** The parent actor's handle (tests make it fail through {@code FailureInjection}, list its limiters). */
    OwnedActor<ServerLimitsActor.Command> actor() {
        return actor;
    }

    @Override
    public String toString() {
        return "ServerLimiter{" + published.limits() + '}';
    }

    /** An admitted call: released once, on its gates; its queueing delay goes to their adaptive limits. */
    private static final class Permit extends AtomicBoolean implements Decision {
        private final transient Gate method;
        private final transient Gate server;
        private final int methodAhead;
        private final int serverAhead;

        Permit(Gate method, Gate server, int methodAhead, int serverAhead) {
            this.method = method;
            this.server = server;
            this.methodAhead = methodAhead;
            this.serverAhead = serverAhead;
        }

        @Override
        public void dequeued(boolean started, long waitedNanos) {
            if (method != null) {
                method.dequeued(started, waitedNanos, methodAhead);
            }
            server.dequeued(started, waitedNanos, serverAhead);
        }

        @Override
        public Status refusal() {
            return null;
        }

        @Override
        public void release(Status status) {
            if (!compareAndSet(false, true)) {
                return;
            }
            Status end = status != null ? status : Status.of(StatusCode.UNKNOWN);
            if (method != null) {
                method.release(end);
            }
            server.release(end);
        }
    }
}
