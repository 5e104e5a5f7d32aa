package io.skein.actors;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors;
import io.skein.actors.internal.ServiceBinder;
import io.skein.actors.protobuf.ProtoMethods;
import io.skein.protocols.CallKind;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * A protobuf service implemented by a typed actor: the service descriptor, the actor (as a behavior
 * Skein spawns and supervises, or an actor you already run), and for each method an adapter that
 * wraps the incoming call in one of the actor's own messages.
 *
 * <pre>{@code
 * sealed interface EchoCommand {}
 * record Say(UnaryCall<EchoRequest, EchoReply> call) implements EchoCommand, CallMessage {}
 * record Repeat(ServerStreamingCall<RepeatRequest, EchoReply> call) implements EchoCommand, CallMessage {}
 *
 * ServiceDefinition<EchoCommand> echo = ServiceDefinition
 *         .forBehavior(EchoProto.getDescriptor().findServiceByName("Echo"), EchoActor.create())
 *         .unary("Say", Say::new)
 *         .serverStreaming("Repeat", Repeat::new)
 *         .build();
 * }</pre>
 *
 * <p><b>Crashes.</b> An exception while the actor handles a {@link CallMessage} fails exactly that
 * call: its caller gets {@code INTERNAL} with a fixed message (no exception text or class name; a
 * status the service raised on purpose with {@code call.fail(status)} or a thrown
 * {@code StatusException} goes out as it is), and the server logs the crash once with the call's id,
 * service and method. A spawned behavior is then <em>resumed</em> by default: it keeps its state and
 * the streams it already answered keep flowing. {@link Builder#onFailure} selects Pekko's
 * {@code restart()} (fresh state; streams the actor serves from its state end with it) or
 * {@code stop()} (later calls get {@code UNAVAILABLE}) instead.
 *
 * @param <T> the service actor's message type
 */
public final class ServiceDefinition<T> {

    private final Descriptors.ServiceDescriptor descriptor;
    private final Behavior<T> behavior;
    private final ActorRef<T> actor;
    private final int instances;
    private final SupervisorStrategy supervision;
    private final Map<String, Function<?, ? extends T>> adapters;

    private ServiceDefinition(Builder<T> b) {
        this.descriptor = b.descriptor;
        this.behavior = b.behavior;
        this.actor = b.actor;
        this.instances = b.instances;
        this.supervision = b.supervision;
        this.adapters = Collections.unmodifiableMap(new LinkedHashMap<>(b.adapters));
    }

    /** A service served by {@code behavior}, which Skein spawns and supervises (see {@link Builder#onFailure}). */
    public static <T> Builder<T> forBehavior(Descriptors.ServiceDescriptor service, Behavior<T> behavior) {
        return new Builder<>(requireNonNull(service, "service"), requireNonNull(behavior, "behavior"), null);
    }

    /** A service served by an actor you already run (you supervise it). */
    public static <T> Builder<T> forActor(Descriptors.ServiceDescriptor service, ActorRef<T> actor) {
        return new Builder<>(requireNonNull(service, "service"), null, requireNonNull(actor, "actor"));
    }

    /** The protobuf service. */
    public Descriptors.ServiceDescriptor descriptor() {
        return descriptor;
    }

    /** {@code package.Service}. */
    public String name() {
        return descriptor.getFullName();
    }

    /** The behavior to spawn, or {@code null} when bound to an existing actor. */
    public Behavior<T> behavior() {
        return behavior;
    }

    /** The existing actor, or {@code null} when Skein spawns the behavior. */
    public ActorRef<T> actor() {
        return actor;
    }

    /** How many actors serve the service (a pool router spreads calls when above 1). */
    public int instances() {
        return instances;
    }

    /** How a spawned behavior is supervised when it throws: resume unless {@link Builder#onFailure} chose otherwise. */
    public SupervisorStrategy supervision() {
        return supervision;
    }

    /** The adapter of each bound method, by method name. */
    public Map<String, Function<?, ? extends T>> adapters() {
        return adapters;
    }

    /** Spawns (if needed) the service actor in {@code system} and returns the methods ready to serve. */
    public BoundService bind(ActorSystem<?> system) {
        return ServiceBinder.bind(requireNonNull(system, "system"), this);
    }

    /**
     * Builds a {@link ServiceDefinition}.
     *
     * @param <T> the service actor's message type
     */
    public static final class Builder<T> {
        private final Descriptors.ServiceDescriptor descriptor;
        private final Behavior<T> behavior;
        private final ActorRef<T> actor;
        private final Map<String, Function<?, ? extends T>> adapters = new LinkedHashMap<>();
        private int instances = 1;
        private SupervisorStrategy supervision = SupervisorStrategy.resume();

        private Builder(Descriptors.ServiceDescriptor descriptor, Behavior<T> behavior, ActorRef<T> actor) {
            this.descriptor = descriptor;
            this.behavior = behavior;
            this.actor = actor;
        }

        /** Binds a unary method: each call reaches the actor as {@code adapter.apply(call)}. */
        public <Req, Resp> Builder<T> unary(String method, Function<UnaryCall<Req, Resp>, ? extends T> adapter) {
            return add(method, CallKind.UNARY, adapter);
        }

        /** Binds a server-streaming method. */
        public <Req, Resp> Builder<T> serverStreaming(String method,
                                                      Function<ServerStreamingCall<Req, Resp>, ? extends T> adapter) {
            return add(method, CallKind.SERVER_STREAMING, adapter);
        }

        /** Binds a client-streaming method. */
        public <Req, Resp> Builder<T> clientStreaming(String method,
                                                      Function<ClientStreamingCall<Req, Resp>, ? extends T> adapter) {
            return add(method, CallKind.CLIENT_STREAMING, adapter);
        }

        /** Binds a bidirectional-streaming method. */
        public <Req, Resp> Builder<T> bidiStreaming(String method,
                                                    Function<BidiStreamingCall<Req, Resp>, ? extends T> adapter) {
            return add(method, CallKind.BIDI_STREAMING, adapter);
        }

        /** Serve with {@code n} actors behind a pool router (only for {@link #forBehavior}); default 1. */
        public Builder<T> instances(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("instances must be at least 1");
            }
            if (actor != null && n != 1) {
                throw new IllegalStateException("instances apply to a spawned behavior, not an existing actor");
            }
            this.instances = n;
            return this;
        }

        /**
         * How the spawned actor is supervised when it throws (only for {@link #forBehavior}): Pekko's
         * {@link SupervisorStrategy#resume()} by default (keeps state and open streams),
         * {@link SupervisorStrategy#restart()} or {@link SupervisorStrategy#stop()} on request, or any
         * other strategy. Either way the call being handled fails alone with a generic status; the crash
         * is logged once by Skein, so the strategy's own logging is turned off.
         */
        public Builder<T> onFailure(SupervisorStrategy strategy) {
            requireNonNull(strategy, "strategy");
            if (actor != null) {
                throw new IllegalStateException("supervision applies to a spawned behavior, not an existing actor");
            }
            this.supervision = strategy;
            return this;
        }

        private Builder<T> add(String method, CallKind kind, Function<?, ? extends T> adapter) {
            requireNonNull(adapter, "adapter");
            Descriptors.MethodDescriptor m = ProtoMethods.find(descriptor, method);
            if (ProtoMethods.kind(m) != kind) {
                throw new IllegalArgumentException(descriptor.getFullName() + "/" + method + " is "
                        + ProtoMethods.kind(m) + ", not " + kind);
            }
            if (adapters.put(method, adapter) != null) {
                throw new IllegalArgumentException("method bound twice: " + method);
            }
            return this;
        }

        public ServiceDefinition<T> build() {
            return new ServiceDefinition<>(this);
        }
    }
}
