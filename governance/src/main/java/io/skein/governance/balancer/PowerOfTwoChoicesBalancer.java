package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices on outstanding calls: each pick draws two distinct eligible instances at random
 * and takes the one with fewer calls in flight ({@link PickContext#outstanding}) relative to its
 * weight. This avoids both herding on the single least-loaded instance (which every client sees at
 * once) and the blindness of random or round robin to slow instances. Ties go to the first draw.
 */
public final class PowerOfTwoChoicesBalancer implements LoadBalancer {

    @Override
    public String name() {
        return "p2c";
    }

    @Override
    public Picker picker(List<Instance> instances) {
        List<Instance> list = List.copyOf(instances);
        return context -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int n = list.size();
            Instance a;
            Instance b;
            if (n == 1) {
                return context.eligible().test(list.get(0)) ? list.get(0) : null;
            }
            // Fast path: two distinct random indexes, both eligible.
            int i = rnd.nextInt(n);
            int j = rnd.nextInt(n - 1);
            if (j >= i) {
                j++;
            }
            a = list.get(i);
            b = list.get(j);
            if (!context.eligible().test(a) || !context.eligible().test(b)) {
                List<Instance> eligible = new ArrayList<>(n);
                for (Instance candidate : list) {
                    if (context.eligible().test(candidate)) {
                        eligible.add(candidate);
                    }
                }
                if (eligible.isEmpty()) {
                    return null;
                }
                if (eligible.size() == 1) {
                    return eligible.get(0);
                }
                i = rnd.nextInt(eligible.size());
                j = rnd.nextInt(eligible.size() - 1);
                if (j >= i) {
                    j++;
                }
                a = eligible.get(i);
                b = eligible.get(j);
            }
            // Compare load per unit of weight without division: oa / wa <= ob / wb.
            long loadA = (long) context.outstanding().applyAsInt(a) * b.weight();
            long loadB = (long) context.outstanding().applyAsInt(b) * a.weight();
            return loadA <= loadB ? a : b;
        };
    }
}
