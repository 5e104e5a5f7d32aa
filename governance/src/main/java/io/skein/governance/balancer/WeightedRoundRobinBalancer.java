package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin (nginx's algorithm, as Kitex uses it): over one cycle of
 * {@code sum(weights)} picks each instance is chosen exactly {@code weight} times, and heavy
 * instances are interleaved with light ones instead of being served in bursts (weights 5,1,1 give
 * {@code a a b a c a a}, not {@code a a a a a b c}).
 *
 * <p>The cycle is computed once per instance snapshot (weights reduced by their greatest common
 * divisor), so a pick is one atomic increment and an array read. An instance that is not
 * {@linkplain PickContext#eligible eligible} loses its turns, which go to the next eligible one in the
 * cycle and are used up, so eligible instances keep their proportions among themselves.
 * When the reduced weights sum to more than {@value #MAX_CYCLE} the smooth algorithm runs per pick
 * under a short lock instead.
 */
public final class WeightedRoundRobinBalancer implements LoadBalancer {

    /** Longest precomputed cycle; beyond it picks run the algorithm live (memory stays bounded). */
    static final int MAX_CYCLE = 1 << 16;

    @Override
    public String name() {
        return "weighted-round-robin";
    }

    @Override
    public Picker picker(List<Instance> instances) {
        List<Instance> list = List.copyOf(instances);
        int[] weights = reducedWeights(list);
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        if (total <= MAX_CYCLE) {
            return new CyclePicker(cycle(list, weights, (int) total));
        }
        return new LivePicker(list, weights);
    }

    /** The weights divided by their greatest common divisor (1,1,1 for equal weights). */
    static int[] reducedWeights(List<Instance> list) {
        int gcd = 0;
        for (Instance i : list) {
            gcd = gcd(gcd, i.weight());
        }
        int[] weights = new int[list.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = list.get(i).weight() / gcd;
        }
        return weights;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** One full cycle of smooth WRR: each instance appears {@code weight} times, interleaved. */
    static Instance[] cycle(List<Instance> list, int[] weights, int total) {
        Instance[] cycle = new Instance[total];
        long[] current = new long[weights.length];
        for (int n = 0; n < total; n++) {
            cycle[n] = list.get(smoothStep(weights, current, total));
        }
        return cycle;
    }

    /** One step of nginx's smooth WRR over {@code current}; returns the chosen index. */
    static int smoothStep(int[] weights, long[] current, long total) {
        int best = -1;
        for (int i = 0; i < weights.length; i++) {
            current[i] += weights[i];
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        current[best] -= total;
        return best;
    }

    private static final class CyclePicker implements Picker {
        private final Instance[] cycle;
        private final AtomicLong next = new AtomicLong();

        CyclePicker(Instance[] cycle) {
            this.cycle = cycle;
        }

        @Override
        public Instance pick(PickContext context) {
            long start = next.getAndIncrement();
            for (int n = 0; n < cycle.length; n++) {
                Instance candidate = cycle[(int) Math.floorMod(start + n, (long) cycle.length)];
                if (context.eligible().test(candidate)) {
                    if (n > 0) {
                        // The skipped turns are used up, so the eligible instances keep their mutual
                        // proportions (passing a turn to the next slot would favour whoever follows
                        // the ineligible instance in the cycle).
                        next.getAndAdd(n);
                    }
                    return candidate;
                }
            }
            return null;
        }
    }

    /** Huge total weights: the smooth step per pick, over the eligible instances only. */
    private static final class LivePicker implements Picker {
        private final List<Instance> list;
        private final int[] weights;
        private final long[] current;

        LivePicker(List<Instance> list, int[] weights) {
            this.list = list;
            this.weights = weights;
            this.current = new long[weights.length];
        }

        @Override
        public Instance pick(PickContext context) {
            boolean[] eligible = new boolean[list.size()];
            long total = 0;
            for (int i = 0; i < eligible.length; i++) {
                eligible[i] = context.eligible().test(list.get(i));
                if (eligible[i]) {
                    total += weights[i];
                }
            }
            if (total == 0) {
                return null;
            }
            synchronized (current) {
                int best = -1;
                for (int i = 0; i < weights.length; i++) {
                    if (!eligible[i]) {
                        continue;
                    }
                    current[i] += weights[i];
                    if (best < 0 || current[i] > current[best]) {
                        best = i;
                    }
                }
                current[best] -= total;
                return list.get(best);
            }
        }
    }
}
