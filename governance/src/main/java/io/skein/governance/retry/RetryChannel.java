package io.skein.governance.retry;

import static java.util.Objects.requireNonNull;

import io.skein.governance.chain.ForwardingClientChannel;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * Failure retry and backup requests over the channel below (normally a balancer), per method as its
 * {@link Plan} says. Unary calls only: streams pass through untouched, because a stream that has
 * sent or received a message cannot be replayed safely and Kitex does not retry streams either.
 *
 * <p>Rules: only methods marked idempotent are retried or hedged (unless the policy says
 * {@code retry-non-idempotent}); each retry avoids the instances already tried ({@link io.skein.transport.ClientCallContext#avoidInstances})
 * when another is eligible; attempts share the caller's deadline and no retry starts when the
 * remaining time would not cover its backoff; a per-method {@link RetryBudget} stops retries and
 * backups while the method's error rate is above its limit; and a call that arrived as a retry
 * (persistent metadata {@value #RETRIED_KEY}, set on every retry and backup) is not retried again
 * downstream (Kitex's chain stop). The budgets' actors are children of the {@link ActorOwner} the
 * channel is given (a governed channel's).
 */
public final class RetryChannel extends ForwardingClientChannel {

    /** Persistent metadata key set on every retry and backup attempt (its attempt number). */
    public static final String RETRIED_KEY = "skein-retried";

    private final ActorOwner owner;
    private final Function<MethodDescriptor<?, ?>, Plan> plans;
    private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();

    /**
     * What retry does for one method.
     *
     * @param retry      failure retry
     * @param backup     backup requests
     * @param idempotent whether the method may safely run more than once
     */
    public record Plan(RetryPolicy retry, BackupPolicy backup, boolean idempotent) {
        public Plan {
            requireNonNull(retry, "retry");
            requireNonNull(backup, "backup");
        }
    }

    private RetryChannel(ActorOwner owner, ClientChannel delegate, Function<MethodDescriptor<?, ?>, Plan> plans) {
        super(delegate);
        this.owner = owner;
        this.plans = plans;
    }

    /**
     * Retry over {@code delegate}; {@code plans} is asked per call (keep it a cheap lookup) so that
     * reloaded policies apply to the next call. Budget actors are spawned under {@code owner}.
     */
    public static RetryChannel create(ActorOwner owner, ClientChannel delegate,
            Function<MethodDescriptor<?, ?>, Plan> plans) {
        return new RetryChannel(requireNonNull(owner, "owner"), requireNonNull(delegate, "delegate"),
                requireNonNull(plans, "plans"));
    }

    @Override
    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                   ClientCallContext context) {
        Plan plan = plans.apply(method);
        boolean chainStopped = context.metadata().persistentValues().containsKey(RETRIED_KEY);
        boolean repeatable = !chainStopped && (plan.idempotent() || plan.retry().retryNonIdempotent());
        int retries = repeatable && plan.retry().enabled() ? plan.retry().maxRetries() : 0;
        int backups = repeatable && plan.backup().enabled() ? plan.backup().maxExtra() : 0;
        if (retries == 0 && backups == 0) {
            return delegate().unary(method, request, context);
        }
        return new RetryingCall<>(owner.system(), delegate(), method, request, context, plan.retry(), retries,
                plan.backup(), backups, budget(method, plan.retry().budget())).start();
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        return delegate().stream(method, options);
    }

    /** The budget of {@code method}, created on its first retried call; settings follow the plan. */
    RetryBudget budget(MethodDescriptor<?, ?> method, BudgetSettings settings) {
        RetryBudget budget = budgets.get(method.fullName());
        if (budget == null) {
            budget = budgets.computeIfAbsent(method.fullName(), name -> RetryBudget.create(owner, name, settings));
        }
        if (budget.requestedSettings() != settings && !budget.requestedSettings().equals(settings)) {
            budget.update(settings); // policies were reloaded
        }
        return budget;
    }

    /** Every method budget's state and counts. */
    public List<RetryBudget.Stats> stats() {
        List<RetryBudget.Stats> stats = new ArrayList<>();
        budgets.values().forEach(b -> stats.add(b.stats()));
        stats.sort(Comparator.comparing(RetryBudget.Stats::name));
        return stats;
    }

    @Override
    public CompletionStage<Done> closeAsync() {
        budgets.values().forEach(RetryBudget::close);
        budgets.clear();
        return super.closeAsync();
    }
}
