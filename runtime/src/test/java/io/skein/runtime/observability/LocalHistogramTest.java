package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import kamon.Kamon;
import kamon.metric.Distribution;
import kamon.metric.Histogram;
import kamon.tag.TagSet;
import org.junit.jupiter.api.Test;

/** The per-thread histogram that RPC metrics record into, drained into Kamon's. */
class LocalHistogramTest {

    private static int instruments;

    /** A fresh Kamon histogram with Kamon's default settings. */
    private static Histogram.Atomic kamon() {
        return (Histogram.Atomic) Kamon.histogram("skein.test.local-histogram")
                .withTags(TagSet.of("n", String.valueOf(instruments++)));
    }

    /** The buckets of {@code h}'s snapshot (taking it resets {@code h}): lowest value to count. */
    private static Map<Long, Long> buckets(Histogram.Atomic h) {
        Distribution d = h.snapshot(true);
        Map<Long, Long> out = new TreeMap<>();
        d.bucketsIterator().foreach(b -> out.merge(b.value(), b.frequency(), Long::sum));
        return out;
    }

    @Test
    void drainedValuesLandInTheSameKamonBucketsAsValuesRecordedThereDirectly() {
        Random random = new Random(7);
        LocalHistogram local = new LocalHistogram();
        Histogram.Atomic direct = kamon();
        Histogram.Atomic drained = kamon();
        long[] edges = {0, 1, 255, 256, 257, 511, 512, 1023, 1024, 1030, 65_535, 65_536, 999_999_999L,
                3_599_999_999_999L};
        for (long v : edges) {
            local.record(v);
            direct.record(v);
        }
        for (int i = 0; i < 100_000; i++) {
            long v = (long) Math.pow(10, random.nextDouble() * 12); // 1 ns .. 1000 s, spread over the octaves
            local.record(v);
            direct.record(v);
        }
        local.drainInto(drained);
        assertEquals(buckets(direct), buckets(drained));
    }

    @Test
    void aDrainTakesOnlyWhatWasRecordedSinceTheLastOneAndNegativeValuesCountAsZero() {
        LocalHistogram local = new LocalHistogram();
        Histogram.Atomic into = kamon();
        local.record(1_000);
        local.record(1_000);
        local.record(-5);
        local.drainInto(into);
        assertEquals(Map.of(0L, 1L, 1000L, 2L), buckets(into));
        local.drainInto(into);
        assertEquals(Map.of(), buckets(into), "nothing new, nothing drained");
        local.record(1_000);
        local.drainInto(into);
        assertEquals(Map.of(1000L, 1L), buckets(into));
    }

    @Test
    void everyValueRecordedWhileAnotherThreadDrainsIsDrainedExactlyOnce() throws Exception {
        LocalHistogram local = new LocalHistogram();
        Histogram.Atomic into = kamon();
        int values = 2_000_000;
        AtomicBoolean done = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < values; i++) {
                local.record(i % 5_000_000); // new buckets keep appearing while the drainer runs
            }
            done.set(true);
        });
        writer.start();
        long total = 0;
        while (!done.get()) {
            local.drainInto(into);
            total += into.snapshot(true).count();
        }
        writer.join(TimeUnit.MINUTES.toMillis(1));
        local.drainInto(into);
        total += into.snapshot(true).count();
        assertFalse(writer.isAlive(), "the writer finished within the minute");
        assertEquals(values, total);
    }
}
