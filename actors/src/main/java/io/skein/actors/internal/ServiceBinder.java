package io.skein.actors.internal;

import com.google.protobuf.Descriptors;
import io.skein.actors.BoundService;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.protobuf.ProtoMethods;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.ServerMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spawns a service's actor, on {@code skein.actors.service-dispatcher}, and wires each of its methods to
 * it; the methods of a spawned actor offer that dispatcher as their
 * {@linkplain io.skein.transport.ServerMethodHandler#executor() executor}.
 */
public final class ServiceBinder {

    private static final Logger log = LoggerFactory.getLogger(ServiceBinder.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    /** Where the actors Skein spawns for services run: {@code skein.actors.service-dispatcher} (reference.conf). */
    private static final String SERVICE_DISPATCHER_PATH = "skein.actors.service-dispatcher";
    private static final DispatcherSelector SERVICE_DISPATCHER = DispatcherSelector.fromConfig(SERVICE_DISPATCHER_PATH);

    private ServiceBinder() {
    }

    public static <T> BoundService bind(ActorSystem<?> system, ServiceDefinition<T> definition) {
        String name = definition.name();
        ActorRef<T> actor = definition.actor();
        boolean spawned = actor == null;
        Executor executor = null;
        if (actor == null) {
            DispatcherSelector dispatcher = serviceDispatcher(system);
            Behavior<T> guarded = Behaviors.supervise(Behaviors.intercept(() -> new CallGuard<T>(name),
                    definition.behavior())).onFailure(definition.supervision().withLoggingEnabled(false));
            Behavior<T> served = definition.instances() > 1
                    ? Routers.pool(definition.instances(), guarded).withRoundRobinRouting()
                            .withRouteeProps(dispatcher)
                    : guarded;
            actor = system.systemActorOf(served, "skein-service-" + name.replace('.', '-') + "-"
                    + COUNTER.incrementAndGet(), dispatcher);
            executor = system.dispatchers().lookup(dispatcher);
        }
        ServiceEndpoint<T> endpoint = new ServiceEndpoint<>(name, actor);
        watch(system, endpoint);
        List<ServerMethod<?, ?>> methods = new ArrayList<>();
        for (Map.Entry<String, Function<?, ? extends T>> e : definition.adapters().entrySet()) {
            Descriptors.MethodDescriptor m = ProtoMethods.find(definition.descriptor(), e.getKey());
            methods.add(method(ProtoMethods.descriptor(m), endpoint, e.getValue(), spawned, executor));
        }
        for (Descriptors.MethodDescriptor m : definition.descriptor().getMethods()) {
            if (!definition.adapters().containsKey(m.getName())) {
                log.warn("{} has no binding for {}: calls to it get UNIMPLEMENTED", name, m.getName());
            }
        }
        return new BoundService(name, List.copyOf(methods), actor);
    }

    private static <Req, Resp, T> ServerMethod<Req, Resp> method(MethodDescriptor<Req, Resp> descriptor,
                                                                ServiceEndpoint<T> endpoint,
                                                                Function<?, ? extends T> adapter,
                                                                boolean guarded, Executor executor) {
        return new ServerMethod<>(descriptor,
                new ActorMethodHandler<>(descriptor.kind(), endpoint, adapter, guarded, executor));
    }

    /** {@code skein.actors.service-dispatcher}, or Pekko's default one in a system configured without Skein's reference.conf. */
    private static DispatcherSelector serviceDispatcher(ActorSystem<?> system) {
        return system.settings().config().hasPath(SERVICE_DISPATCHER_PATH) ? SERVICE_DISPATCHER
                : DispatcherSelector.defaultDispatcher();
    }

    /** Marks the endpoint stopped when its actor terminates, so calls fail fast instead of hanging. */
    private static <T> void watch(ActorSystem<?> system, ServiceEndpoint<T> endpoint) {
        system.systemActorOf(Behaviors.<Void>setup(ctx -> {
            ctx.watch(endpoint.actor());
            return Behaviors.receive(Void.class)
                    .onSignal(Terminated.class, t -> {
                        endpoint.markStopped();
                        return Behaviors.stopped();
                    })
                    .build();
        }), "skein-service-watch-" + COUNTER.incrementAndGet(), Props.empty());
    }
}
