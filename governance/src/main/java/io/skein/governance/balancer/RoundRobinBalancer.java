package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Plain round robin: each eligible instance in turn, weights ignored. */
public final class RoundRobinBalancer implements LoadBalancer {

    @Override
    public String name() {
        return "round-robin";
    }

    @Override
    public Picker picker(List<Instance> instances) {
        List<Instance> list = List.copyOf(instances);
        AtomicInteger next = new AtomicInteger();
        return context -> {
            int start = Math.floorMod(next.getAndIncrement(), list.size());
            for (int i = 0; i < list.size(); i++) {
                Instance candidate = list.get((start + i) % list.size());
                if (context.eligible().test(candidate)) {
                    return candidate;
                }
            }
            return null;
        };
    }
}
