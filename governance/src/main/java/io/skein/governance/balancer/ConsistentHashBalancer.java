package io.skein.governance.balancer;

import static java.util.Objects.requireNonNull;

import io.skein.governance.discovery.Instance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Consistent hashing on a request metadata value ({@code key}): calls carrying the same value go to
 * the same instance for as long as that instance stays, and when one instance leaves only the keys it
 * owned move (about {@code 1/n} of them), spread over the others.
 *
 * <p>The ring holds {@code virtualNodes * weight} points per instance (hashes of its node id and the
 * point's number, so every client builds the same ring for the same instances), built once per
 * snapshot; a pick is one hash and a binary search. When the owner of a key is not
 * {@linkplain PickContext#eligible eligible} the pick walks the ring clockwise to the next eligible
 * instance, so the fallback is itself stable per key. A call without the key has no affinity and goes
 * to a random eligible instance.
 */
public final class ConsistentHashBalancer implements LoadBalancer {

    /** Default metadata key. */
    public static final String DEFAULT_KEY = "hash-key";
    /** Default points on the ring per unit of weight. */
    public static final int DEFAULT_VIRTUAL_NODES = 100;

    private final String key;
    private final int virtualNodes;

    /** Hashes the metadata value under {@code key}, with {@code virtualNodes} ring points per unit of weight. */
    public ConsistentHashBalancer(String key, int virtualNodes) {
        this.key = requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("the consistent-hash key must not be empty");
        }
        if (virtualNodes < 1 || virtualNodes > 10_000) {
            throw new IllegalArgumentException("virtual-nodes must be in 1..10000: " + virtualNodes);
        }
        this.virtualNodes = virtualNodes;
    }

    @Override
    public String name() {
        return "consistent-hash";
    }

    /** The metadata key whose value is hashed. */
    public String key() {
        return key;
    }

    /** Ring points per unit of weight. */
    public int virtualNodes() {
        return virtualNodes;
    }

    @Override
    public Picker picker(List<Instance> instances) {
        List<Instance> list = List.copyOf(instances);
        List<long[]> points = new ArrayList<>(); // {hash, instance index}
        for (int i = 0; i < list.size(); i++) {
            Instance instance = list.get(i);
            int count = (int) Math.min(1_000_000L, (long) virtualNodes * instance.weight());
            for (int v = 0; v < count; v++) {
                points.add(new long[] {hash(instance.nodeId() + "#" + v), i});
            }
        }
        // Ties (vanishingly rare) are broken by node id so the ring does not depend on list order.
        points.sort(Comparator.<long[]>comparingLong(p -> p[0])
                .thenComparing(p -> list.get((int) p[1]).nodeId()));
        long[] hashes = new long[points.size()];
        Instance[] owners = new Instance[points.size()];
        for (int n = 0; n < hashes.length; n++) {
            hashes[n] = points.get(n)[0];
            owners[n] = list.get((int) points.get(n)[1]);
        }
        return new RingPicker(key, hashes, owners, list.size());
    }

    /** The ring position of {@code value}: 64-bit FNV-1a over UTF-8, then MurmurHash3's finalizer to spread it. */
    static long hash(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @Override
    public String toString() {
        return "consistent-hash{key=" + key + ", virtual-nodes=" + virtualNodes + '}';
    }

    private static final class RingPicker implements Picker {
        private final String key;
        private final long[] hashes;
        private final Instance[] owners;
        private final int distinct;

        RingPicker(String key, long[] hashes, Instance[] owners, int distinct) {
            this.key = key;
            this.hashes = hashes;
            this.owners = owners;
            this.distinct = distinct;
        }

        @Override
        public Instance pick(PickContext context) {
            String value = context.metadata().get(key);
            int start;
            if (value == null) {
                start = ThreadLocalRandom.current().nextInt(hashes.length);
            } else {
                int found = Arrays.binarySearch(hashes, hash(value));
                start = found >= 0 ? found : -found - 1; // the first point at or after the key, wrapping
            }
            // Walk clockwise; after every point was seen (or all instances were rejected) nothing is eligible.
            java.util.Set<String> rejected = null;
            for (int n = 0; n < hashes.length; n++) {
                Instance candidate = owners[(start + n) % hashes.length];
                if (rejected != null && rejected.contains(candidate.nodeId())) {
                    continue;
                }
                if (context.eligible().test(candidate)) {
                    return candidate;
                }
                if (rejected == null) {
                    rejected = new java.util.HashSet<>();
                }
                rejected.add(candidate.nodeId());
                if (rejected.size() == distinct) {
                    return null;
                }
            }
            return null;
        }
    }
}
