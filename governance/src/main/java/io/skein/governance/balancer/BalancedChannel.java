package io.skein.governance.balancer;

import static java.util.Objects.requireNonNull;

import io.skein.actors.client.Targets;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.InstanceSource;
import io.skein.governance.internal.Futures;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.Metadata;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.CallRefusals;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel over the live instances of one service: each call (or stream) goes to the instance the
 * current {@link Picker} chooses, over a channel per instance that is opened on first use and kept
 * while the instance stays. The picker is rebuilt when the {@link InstanceSource} publishes a new
 * snapshot, never per call.
 *
 * <p>An instance that leaves the list stops receiving new calls at once; its channel is closed only
 * after {@code retireAfter}, so calls it is still serving (a node draining on shutdown) finish.
 * With no eligible instance a call fails {@code UNAVAILABLE} at once.
 *
 * <p>A unary call refused before any processing (connect failure, a draining node's refusal; see
 * {@link Builder#transparentRetries}) is sent again, at once, to another instance: gossip takes a
 * moment to tell clients that a node left, and such a call is safe to resend whatever the method
 * does. Streams are not resent (their requests may already be consumed).
 */
public final class BalancedChannel implements ClientChannel {

    private static final Logger log = LoggerFactory.getLogger(BalancedChannel.class);

    private final ActorSystem<?> system;
    private final String service;
    private final LoadBalancer balancer;
    private final Function<Instance, ClientChannel> opener;
    private final Predicate<Instance> eligibility;
    private final Duration retireAfter;
    private final int transparentRetries;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final AutoCloseable subscription;
    private final java.util.function.ToIntFunction<Instance> outstandingCalls = this::outstanding;
    private volatile Snapshot snapshot = new Snapshot(List.of(), null);
    private volatile boolean closed;
    private final AtomicLong transparentRetryCount = new AtomicLong();

    private BalancedChannel(Builder b) {
        this.system = b.system;
        this.service = b.source.service();
        this.balancer = b.balancer;
        this.eligibility = b.eligibility;
        this.retireAfter = b.retireAfter;
        this.transparentRetries = b.transparentRetries;
        Function<Instance, ClientChannel> open = b.opener != null ? b.opener
                : instance -> Targets.open(system, instance.target(b.protocol));
        InstanceMiddleware perInstance = b.perInstance;
        this.opener = instance -> perInstance.wrap(instance, open.apply(instance));
        this.subscription = b.source.subscribe(this::onInstances);
    }

    /** A builder over {@code source}'s instances. */
    public static Builder builder(ActorSystem<?> system, InstanceSource source) {
        return new Builder(system, source);
    }

    /** The instances calls are currently spread over. */
    public List<Instance> instances() {
        return snapshot.instances;
    }

    /** Calls in flight on {@code instance} through this channel. */
    public int outstanding(Instance instance) {
        Endpoint e = endpoints.get(instance.nodeId());
        return e == null ? 0 : e.outstanding.get();
    }

    private synchronized void onInstances(List<Instance> instances) {
        if (closed) {
            return;
        }
        Snapshot previous = snapshot;
        snapshot = new Snapshot(List.copyOf(instances), instances.isEmpty() ? null : balancer.picker(instances));
        Set<String> present = new HashSet<>();
        instances.forEach(i -> present.add(i.nodeId()));
        for (Instance gone : previous.instances) {
            if (!present.contains(gone.nodeId())) {
                scheduleRetire(gone);
            }
        }
        log.debug("{}: {} instance(s) {}", service, instances.size(), instances);
    }

    private void scheduleRetire(Instance gone) {
        Endpoint endpoint = endpoints.get(gone.nodeId());
        if (endpoint == null) {
            return;
        }
        system.scheduler().scheduleOnce(retireAfter, () -> {
            boolean back = snapshot.instances.stream().anyMatch(i -> i.nodeId().equals(gone.nodeId()));
            if (!back && endpoints.remove(gone.nodeId(), endpoint)) {
                endpoint.channel.closeAsync();
            }
        }, system.executionContext());
    }

    /**
     * Picks an instance, avoiding {@code avoid} (a retry's hint and the instances that refused this
     * call) while another is eligible.
     */
    private Chosen pick(MethodDescriptor<?, ?> method, Metadata metadata, Set<String> avoid) {
        Snapshot current = snapshot;
        if (current.picker == null) {
            throw Status.of(StatusCode.UNAVAILABLE, "no instance of " + service + " is known").asException();
        }
        Instance chosen = null;
        if (!avoid.isEmpty()) {
            chosen = current.picker.pick(new PickContext(method, metadata,
                    eligibility.and(i -> !avoid.contains(i.nodeId())), outstandingCalls));
        }
        if (chosen == null) {
            chosen = current.picker.pick(new PickContext(method, metadata, eligibility, outstandingCalls));
        }
        if (chosen == null) {
            throw Status.of(StatusCode.UNAVAILABLE, "no available instance of " + service + " ("
                    + current.instances.size() + " known, none eligible)").asException();
        }
        Instance instance = chosen;
        Endpoint endpoint = endpoints.get(instance.nodeId());
        if (endpoint == null) {
            endpoint = endpoints.computeIfAbsent(instance.nodeId(), id -> new Endpoint(opener.apply(instance)));
        }
        return new Chosen(instance, endpoint);
    }

    @Override
    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                   ClientCallContext context) {
        CompletableFuture<Resp> result = new CompletableFuture<>();
        attempt(method, request, context, result, Set.of(), null);
        return result;
    }

    /**
     * One try of the call; {@code refusedBy} holds the instances that refused it before processing
     * ({@code refusal} the last such failure), never tried again: with no other instance left the call
     * fails with that refusal. The picked instance is recorded in the call's context.
     */
    private <Req, Resp> void attempt(MethodDescriptor<Req, Resp> method, Req request, ClientCallContext context,
                                     CompletableFuture<Resp> result, Set<String> refusedBy, Throwable refusal) {
        Chosen chosen;
        try {
            Set<String> avoid = refusedBy;
            if (!context.avoidInstances().isEmpty()) {
                avoid = new HashSet<>(context.avoidInstances());
                avoid.addAll(refusedBy);
            }
            chosen = pick(method, context.metadata(), avoid);
        } catch (RuntimeException e) {
            result.completeExceptionally(refusal != null ? refusal : e);
            return;
        }
        if (refusedBy.contains(chosen.instance.nodeId())) {
            result.completeExceptionally(refusal);
            return;
        }
        context.pickedInstance(chosen.instance.nodeId());
        Endpoint endpoint = chosen.endpoint;
        endpoint.outstanding.incrementAndGet();
        CompletionStage<Resp> call;
        try {
            call = endpoint.channel.unary(method, request, context);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((value, failure) -> {
            endpoint.outstanding.decrementAndGet();
            if (failure == null) {
                result.complete(value);
            } else if (refusedBy.size() < transparentRetries && !context.isCancelled()
                    && CallRefusals.refusedBeforeProcessing(failure)) {
                Set<String> refused = new HashSet<>(refusedBy);
                refused.add(chosen.instance.nodeId());
                log.debug("{}: {} refused {} before processing ({}); sending it to another instance", service,
                        chosen.instance, method.fullName(), Futures.unwrap(failure).getMessage());
                transparentRetryCount.incrementAndGet();
                attempt(method, request, context, result, Set.copyOf(refused), Futures.unwrap(failure));
            } else {
                result.completeExceptionally(Futures.unwrap(failure));
            }
        });
    }

    /** How many calls were sent again because an instance refused them before processing. */
    public long transparentRetries() {
        return transparentRetryCount.get();
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        Flow<Req, Resp, CompletionStage<NotUsed>> routed = Flow.fromMaterializer(
                (mat, attributes) -> routeStream(method, options));
        return routed.mapMaterializedValue(m -> NotUsed.getInstance());
    }

    private <Req, Resp> Flow<Req, Resp, NotUsed> routeStream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        Endpoint endpoint;
        try {
            endpoint = pick(method, options.metadata(), Set.of()).endpoint;
        } catch (RuntimeException e) {
            return Flow.fromSinkAndSource(Sink.<Req>ignore(), Source.<Resp>failed(e));
        }
        endpoint.outstanding.incrementAndGet();
        Flow<Req, Resp, NotUsed> call = endpoint.channel.stream(method, options);
        return call.watchTermination((m, done) -> {
            done.whenComplete((d, f) -> endpoint.outstanding.decrementAndGet());
            return m;
        });
    }

    @Override
    public CompletionStage<Done> closeAsync() {
        synchronized (this) {
            closed = true;
        }
        try {
            subscription.close();
        } catch (Exception e) {
            log.debug("closing the subscription of {} failed", service, e);
        }
        List<CompletableFuture<Done>> closing = new ArrayList<>();
        endpoints.values().forEach(e -> closing.add(e.channel.closeAsync().toCompletableFuture()));
        endpoints.clear();
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
    }

    private record Snapshot(List<Instance> instances, Picker picker) {
    }

    private record Chosen(Instance instance, Endpoint endpoint) {
    }

    private static final class Endpoint {
        final ClientChannel channel;
        final AtomicInteger outstanding = new AtomicInteger();

        Endpoint(ClientChannel channel) {
            this.channel = channel;
        }
    }

    /** Builds a {@link BalancedChannel}; every setting has a default. */
    public static final class Builder {
        private final ActorSystem<?> system;
        private final InstanceSource source;
        private LoadBalancer balancer = new WeightedRoundRobinBalancer();
        private String protocol = "skein";
        private Function<Instance, ClientChannel> opener;
        private InstanceMiddleware perInstance = (instance, next) -> next;
        private Predicate<Instance> eligibility = i -> true;
        private Duration retireAfter = Duration.ofSeconds(30);
        private int transparentRetries = 2;

        private Builder(ActorSystem<?> system, InstanceSource source) {
            this.system = requireNonNull(system, "system");
            this.source = requireNonNull(source, "source");
        }

        /** The strategy; default {@link WeightedRoundRobinBalancer} (plain round robin when all weights are equal). */
        public Builder balancer(LoadBalancer balancer) {
            this.balancer = requireNonNull(balancer, "balancer");
            return this;
        }

        /** The target scheme used to reach instances ({@code skein} or {@code grpc}); default {@code skein}. */
        public Builder protocol(String protocol) {
            this.protocol = requireNonNull(protocol, "protocol");
            return this;
        }

        /** How an instance's channel is opened; default {@code Targets.open(system, instance.target(protocol))}. */
        public Builder opener(Function<Instance, ClientChannel> opener) {
            this.opener = requireNonNull(opener, "opener");
            return this;
        }

        /** A stage applied to each instance's channel (instance breaker); default none. */
        public Builder perInstance(InstanceMiddleware middleware) {
            this.perInstance = requireNonNull(middleware, "middleware");
            return this;
        }

        /** Which instances may take calls now (an instance breaker's view); default all. */
        public Builder eligibility(Predicate<Instance> eligibility) {
            this.eligibility = requireNonNull(eligibility, "eligibility");
            return this;
        }

        /** How long a departed instance's channel stays open for its calls in flight; default 30 s. */
        public Builder retireAfter(Duration retireAfter) {
            this.retireAfter = requireNonNull(retireAfter, "retireAfter");
            return this;
        }

        /**
         * How many times a unary call refused before any processing (connect failure, a draining
         * node's refusal) is sent again, each time to an instance that has not refused it; default 2,
         * 0 turns it off. Never applies to streams or to failures after the call reached a service.
         */
        public Builder transparentRetries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must not be negative: " + retries);
            }
            this.transparentRetries = retries;
            return this;
        }

        public BalancedChannel build() {
            return new BalancedChannel(this);
        }
    }
}
