package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.governance.chain.ClientMiddleware;
import io.skein.governance.chain.ForwardingClientChannel;
import io.skein.governance.config.ClientPolicies;
import io.skein.governance.internal.Futures;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.OwnedActor;
import io.skein.protocols.Status;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A client-side concurrency limit as middleware: at most {@code n} calls (unary calls and open
 * streams) in flight through the channels it wraps; one more fails at once with
 * {@code RESOURCE_EXHAUSTED} and never reaches the network. It does not queue: a queue would hide
 * overload from the caller and spend its deadline waiting; retry or backup policies above decide what
 * to do with the refusal.
 *
 * <p>Every channel wrapped by one instance shares its count (one instance per service, as
 * {@code skein.client.services."pkg.Svc".concurrency-limit} configures). The limit is owned by a
 * {@link LimiterActor} and changes at run time with {@link #update}; a call reads it without a message.
 *
 * <p>The actor is a child of an {@link ActorOwner} (the governed channel's), named
 * {@code concurrency-limit-<service>-<n>}, restarted when it throws; the calls in flight are counted in
 * the gate the calls hold, not in the actor, so a restart neither loses nor double-releases a place.
 */
public final class ClientConcurrencyLimit implements ClientMiddleware, AutoCloseable {

    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(15);

    private final Gate gate;
    private final OwnedActor<LimiterActor.Command> actor;

    private ClientConcurrencyLimit(ActorOwner owner, String service, int maxConcurrentCalls) {
        LimitSettings settings = LimitSettings.concurrency(maxConcurrentCalls);
        this.gate = new Gate("client " + service, "client limit reached", settings, 0);
        this.actor = owner.spawn("concurrency-limit-" + service, LimiterActor.create(gate));
    }

    /**
     * A limit of {@code maxConcurrentCalls} (0 = unlimited, counted only) on calls to {@code service},
     * its actor under {@code owner}.
     */
    public static ClientConcurrencyLimit create(ActorOwner owner, String service, int maxConcurrentCalls) {
        requireNonNull(owner, "owner");
        requireNonNull(service, "service");
        if (maxConcurrentCalls < 0) {
            throw new IllegalArgumentException("concurrency-limit must be >= 0 (0 = unlimited): " + maxConcurrentCalls);
        }
        return new ClientConcurrencyLimit(owner, service, maxConcurrentCalls);
    }

    /**
     * The limit configured for {@code service}: {@code skein.client.services."<service>".concurrency-limit},
     * else {@code skein.client.defaults.concurrency-limit}.
     */
    public static ClientConcurrencyLimit fromConfig(ActorOwner owner, String service) {
        requireNonNull(owner, "owner");
        requireNonNull(service, "service");
        return create(owner, service, configuredLimit(owner.system().settings().config(), service));
    }

    /** The configured limit for {@code service} in {@code config} (see {@link #fromConfig}). */
    public static int configuredLimit(Config config, String service) {
        return ClientPolicies.fromConfig(config, service).settings().getInt("concurrency-limit");
    }

    /** Changes the limit (0 = unlimited); completes once calls are held to it. */
    public CompletionStage<Done> update(int maxConcurrentCalls) {
        LimitSettings settings = LimitSettings.concurrency(maxConcurrentCalls);
        return actor.ask(r -> new LimiterActor.Update(settings, r), ASK_TIMEOUT);
    }

    /** Counts and the limit in force. */
    public LimiterStats stats() {
        return gate.stats();
    }

    /**
     * Stops the limiter's actor (its owner's closing stops it too); the limit in force stays in the
     * channels it wrapped.
     */
    @Override
    public void close() {
        actor.stop();
    }

    /** The actor's handle (tests make it fail through {@code FailureInjection}). */
    OwnedActor<LimiterActor.Command> actor() {
        return actor;
    }

    @Override
    public ClientChannel wrap(ClientChannel next) {
        return new Limited(requireNonNull(next, "next"));
    }

    private final class Limited extends ForwardingClientChannel {

        Limited(ClientChannel delegate) {
            super(delegate);
        }

        @Override
        public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                       ClientCallContext context) {
            Status refusal = gate.tryAcquire();
            if (refusal != null) {
                return CompletableFuture.failedFuture(refusal.asException());
            }
            gate.commit();
            CompletionStage<Resp> call;
            try {
                call = delegate().unary(method, request, context);
            } catch (RuntimeException e) {
                gate.release(Status.fromThrowable(e));
                return CompletableFuture.failedFuture(e);
            }
            return Futures.observe(call, (value, failure) -> gate.release(
                    failure == null ? Status.OK : Status.fromThrowable(Futures.unwrap(failure))));
        }

        @Override
        public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
            Flow<Req, Resp, CompletionStage<NotUsed>> limited = Flow.fromMaterializer((mat, attributes) -> {
                Status refusal = gate.tryAcquire();
                if (refusal != null) {
                    return Flow.fromSinkAndSource(Sink.<Req>ignore(), Source.<Resp>failed(refusal.asException()));
                }
                gate.commit();
                Flow<Req, Resp, NotUsed> call;
                try {
                    call = delegate().stream(method, options);
                } catch (RuntimeException e) {
                    gate.release(Status.fromThrowable(e));
                    throw e;
                }
                return call.watchTermination((m, done) -> {
                    done.whenComplete((d, failure) -> gate.release(
                            failure == null ? Status.OK : Status.fromThrowable(failure)));
                    return m;
                });
            });
            return limited.mapMaterializedValue(m -> NotUsed.getInstance());
        }
    }
}
