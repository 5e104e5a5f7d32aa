package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.transport.CallOptions;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.testing.StringMarshaller;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/** Instances and pick contexts for balancer unit tests. */
final class BalancerTestSupport {

    static final MethodDescriptor<String, String> METHOD = new MethodDescriptor<>("test.Svc/Call", CallKind.UNARY,
            StringMarshaller.INSTANCE, StringMarshaller.INSTANCE);

    private BalancerTestSupport() {
    }

    static Instance instance(String id, int weight) {
        return new Instance(id, "127.0.0.1", 1000 + Math.abs(id.hashCode() % 60000), Instance.SKEIN_PROTOCOLS, weight,
                Map.of());
    }

    static List<Instance> instances(int count) {
        List<Instance> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(instance("node-" + i, 1));
        }
        return list;
    }

    static PickContext context() {
        return context(CallOptions.DEFAULT, i -> true, i -> 0);
    }

    static PickContext context(Predicate<Instance> eligible) {
        return context(CallOptions.DEFAULT, eligible, i -> 0);
    }

    static PickContext context(CallOptions options, Predicate<Instance> eligible, ToIntFunction<Instance> outstanding) {
        return new PickContext(METHOD, options.metadata(), eligible, outstanding);
    }

    static PickContext keyed(String key, String value) {
        return context(CallOptions.DEFAULT.withMetadata(Metadata.builder().put(key, value).build()), i -> true, i -> 0);
    }

    static Predicate<Instance> not(Set<String> excluded) {
        return i -> !excluded.contains(i.nodeId());
    }

    /** Picks {@code n} times and counts picks per node id (in first-seen order). */
    static Map<String, Integer> count(Picker picker, PickContext context, int n) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Instance picked = picker.pick(context);
            counts.merge(picked == null ? "<none>" : picked.nodeId(), 1, Integer::sum);
        }
        return counts;
    }
}
