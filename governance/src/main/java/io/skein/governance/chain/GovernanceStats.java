package io.skein.governance.chain;

import io.skein.governance.breaker.BreakerStats;
import io.skein.governance.retry.RetryBudget;
import java.util.List;

/**
 * Every client policy's state and counts for one service, read without a round trip to the policy
 * actors.
 *
 * @param service          the service
 * @param serviceBreakers  one per method called so far ({@code caller->pkg.Svc/Method})
 * @param instanceBreakers one per instance called so far (empty without a balancer)
 * @param retryBudgets     one per method retried or hedged so far
 */
public record GovernanceStats(String service, List<BreakerStats> serviceBreakers, List<BreakerStats> instanceBreakers,
        List<RetryBudget.Stats> retryBudgets) {

    public GovernanceStats {
        serviceBreakers = List.copyOf(serviceBreakers);
        instanceBreakers = List.copyOf(instanceBreakers);
        retryBudgets = List.copyOf(retryBudgets);
    }

    /** The service breaker of {@code method} ({@code Say}), or {@code null} before its first call. */
    public BreakerStats serviceBreaker(String method) {
        return serviceBreakers.stream().filter(b -> b.name().endsWith("/" + method)).findFirst().orElse(null);
    }

    /** The retry budget of {@code method} ({@code Say}), or {@code null} before its first retried call. */
    public RetryBudget.Stats retryBudget(String method) {
        return retryBudgets.stream().filter(b -> b.name().endsWith("/" + method)).findFirst().orElse(null);
    }
}
