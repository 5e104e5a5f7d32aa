package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Weighted random: each pick chooses an instance with probability {@code weight / sum(weights)}.
 * Stateless between picks, so it needs no coordination between callers; the cumulative weights are
 * computed once per snapshot and a pick is one random number and a binary search. When the drawn
 * instance is not {@linkplain PickContext#eligible eligible}, the draw is repeated over the eligible
 * instances only, keeping their relative weights.
 */
public final class WeightedRandomBalancer implements LoadBalancer {

    private final Supplier<RandomGenerator> random;

    /** Draws from {@link ThreadLocalRandom}. */
    public WeightedRandomBalancer() {
        this(ThreadLocalRandom::current);
    }

    /** Draws from {@code random} (a seeded, thread-safe generator makes picks reproducible in tests). */
    public WeightedRandomBalancer(Supplier<RandomGenerator> random) {
        this.random = java.util.Objects.requireNonNull(random, "random");
    }

    @Override
    public String name() {
        return "weighted-random";
    }

    @Override
    public Picker picker(List<Instance> instances) {
        List<Instance> list = List.copyOf(instances);
        long[] cumulative = new long[list.size()];
        long total = 0;
        for (int i = 0; i < list.size(); i++) {
            total += list.get(i).weight();
            cumulative[i] = total;
        }
        long sum = total;
        return context -> {
            RandomGenerator rnd = random.get();
            int index = Arrays.binarySearch(cumulative, rnd.nextLong(sum) + 1);
            Instance drawn = list.get(index >= 0 ? index : -index - 1);
            if (context.eligible().test(drawn)) {
                return drawn;
            }
            return drawAmongEligible(list, context, rnd);
        };
    }

    private static Instance drawAmongEligible(List<Instance> list, PickContext context, RandomGenerator rnd) {
        long total = 0;
        long[] cumulative = new long[list.size()];
        for (int i = 0; i < list.size(); i++) {
            if (context.eligible().test(list.get(i))) {
                total += list.get(i).weight();
            }
            cumulative[i] = total;
        }
        if (total == 0) {
            return null;
        }
        long r = rnd.nextLong(total);
        for (int i = 0; i < cumulative.length; i++) {
            if (r < cumulative[i]) {
                return list.get(i);
            }
        }
        throw new AssertionError("unreachable");
    }
}
