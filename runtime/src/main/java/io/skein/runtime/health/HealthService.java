package io.skein.runtime.health;

import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.health.v1.HealthCheckRequest;
import io.skein.runtime.health.v1.HealthCheckResponse;
import io.skein.runtime.health.v1.HealthCheckResponse.ServingStatus;
import io.skein.runtime.health.v1.HealthListRequest;
import io.skein.runtime.health.v1.HealthListResponse;
import io.skein.runtime.health.v1.HealthProto;
import io.skein.transport.CallContext;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code grpc.health.v1.Health} as a Skein service: {@code Check} answers the serving status of one
 * service ({@code ""}: the node as a whole), {@code NOT_FOUND} for a service the node does not serve;
 * {@code Watch} sends the current status at once and every change after it ({@code SERVICE_UNKNOWN} for
 * an unknown service, as gRPC's protocol says); {@code List} gives every status. A node marks its
 * services {@code SERVING} once it is ready and {@link #drain() NOT_SERVING} when it starts its graceful
 * shutdown, before it refuses new calls; open {@code Watch} streams then get {@code NOT_SERVING} and end,
 * so they never hold up the drain.
 *
 * <p>Thread-safe: statuses in a concurrent map, watchers in a copy-on-write list; a change is offered to
 * each watcher's bounded queue (a watcher that does not read loses intermediate changes, never the
 * stream).
 */
public final class HealthService {

    /** {@code grpc.health.v1.Health}. */
    public static final String NAME = "grpc.health.v1.Health";

    /** The service's descriptor. */
    public static final com.google.protobuf.Descriptors.ServiceDescriptor DESCRIPTOR =
            HealthProto.getDescriptor().findServiceByName("Health");

    private static final int WATCH_BUFFER = 16;

    private final Map<String, ServingStatus> statuses = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();
    private volatile boolean draining;

    private record Watcher(String service, BoundedSourceQueue<HealthCheckResponse> queue) {
    }

    /** A health service for {@code services} (and {@code ""}), all {@code initial}. */
    public HealthService(Collection<String> services, ServingStatus initial) {
        statuses.put("", initial);
        services.forEach(s -> statuses.put(s, initial));
    }

    /** The status of {@code service} ({@code ""}: the node), or {@code null} when unknown. */
    public ServingStatus status(String service) {
        return statuses.get(service);
    }

    /** Every known status by service ({@code ""} included). */
    public Map<String, ServingStatus> statuses() {
        return new TreeMap<>(statuses);
    }

    /** Whether the node is draining (every status NOT_SERVING for good). */
    public boolean isDraining() {
        return draining;
    }

    /** Sets the status of {@code service} ({@code ""}: the node) and tells its watchers; ignored once draining. */
    public void setStatus(String service, ServingStatus status) {
        if (draining) {
            return;
        }
        statuses.put(service, status);
        notifyWatchers(service, status);
    }

    /** Every known service to {@code status} (node ready: SERVING); ignored once draining. */
    public void setAll(ServingStatus status) {
        statuses.keySet().forEach(s -> setStatus(s, status));
    }

    /** The node drains: every service NOT_SERVING from now on; watchers get it and their streams end. */
    public void drain() {
        draining = true;
        statuses.replaceAll((s, old) -> ServingStatus.NOT_SERVING);
        for (Watcher w : watchers) {
            w.queue().offer(response(ServingStatus.NOT_SERVING));
            w.queue().complete();
        }
        watchers.clear();
    }

    /** The service definition to serve. */
    public ServiceDefinition<FunctionalService.Invocation> definition() {
        return FunctionalService.builder(DESCRIPTOR)
                .<HealthCheckRequest, HealthCheckResponse>unary("Check", this::check)
                .<HealthListRequest, HealthListResponse>unary("List", this::list)
                .<HealthCheckRequest, HealthCheckResponse>serverStreaming("Watch", this::watch)
                .build();
    }

    private CompletionStage<HealthCheckResponse> check(HealthCheckRequest request, CallContext context) {
        ServingStatus s = statuses.get(request.getService());
        if (s == null) {
            return CompletableFuture.failedFuture(new StatusException(StatusCode.NOT_FOUND,
                    "unknown service " + request.getService()));
        }
        return CompletableFuture.completedFuture(response(s));
    }

    private CompletionStage<HealthListResponse> list(HealthListRequest request, CallContext context) {
        HealthListResponse.Builder b = HealthListResponse.newBuilder();
        statuses().forEach((service, status) -> b.putStatuses(service, response(status)));
        return CompletableFuture.completedFuture(b.build());
    }

    private Source<HealthCheckResponse, ?> watch(HealthCheckRequest request, CallContext context) {
        String service = request.getService();
        return Source.<HealthCheckResponse>queue(WATCH_BUFFER).mapMaterializedValue(queue -> {
            Watcher w = new Watcher(service, queue);
            ServingStatus now = statuses.getOrDefault(service, ServingStatus.SERVICE_UNKNOWN);
            queue.offer(response(now));
            if (draining) {
                queue.complete();
            } else {
                watchers.add(w);
                context.termination().whenComplete((s, e) -> watchers.remove(w));
            }
            return queue;
        });
    }

    private void notifyWatchers(String service, ServingStatus status) {
        for (Watcher w : watchers) {
            if (w.service().equals(service)) {
                w.queue().offer(response(status));
            }
        }
    }

    private static HealthCheckResponse response(ServingStatus status) {
        return HealthCheckResponse.newBuilder().setStatus(status).build();
    }
}
