package io.skein.governance.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Successes and failures over a sliding time window made of buckets, counted without locks on the
 * call path: {@link #record} adds to the current bucket's {@link LongAdder}s; only the first thread
 * to reach a bucket after it rolled over takes the bucket's monitor to clear it (once per bucket
 * length). {@link #totals()} sums the buckets still inside the window, so its cost is the bucket
 * count, paid by whoever evaluates (a policy actor, or the call path on a failure only).
 *
 * <p>Counts are approximate at bucket edges (an increment racing a rollover may land in the fresh
 * bucket), the same trade-off Kitex's and Hystrix's rolling windows make.
 */
public final class WindowCounter {

    private final long bucketNanos;
    private final Bucket[] buckets;
    private final Duration window;

    /** A counter over {@code window}, split into {@code bucketCount} buckets. */
    public WindowCounter(Duration window, int bucketCount) {
        requireNonNull(window, "window");
        if (bucketCount < 1) {
            throw new IllegalArgumentException("bucket count must be at least 1: " + bucketCount);
        }
        if (window.toNanos() < bucketCount) {
            throw new IllegalArgumentException("window " + window + " is too short for " + bucketCount + " buckets");
        }
        this.window = window;
        this.bucketNanos = window.toNanos() / bucketCount;
        this.buckets = new Bucket[bucketCount];
        for (int i = 0; i < bucketCount; i++) {
            buckets[i] = new Bucket();
        }
    }

    /** The window length. */
    public Duration window() {
        return window;
    }

    /** The number of buckets. */
    public int bucketCount() {
        return buckets.length;
    }

    /** Counts one outcome now. */
    public void record(boolean success) {
        long epoch = System.nanoTime() / bucketNanos;
        Bucket b = buckets[(int) Math.floorMod(epoch, (long) buckets.length)];
        if (b.epoch != epoch) {
            b.roll(epoch);
        }
        (success ? b.successes : b.failures).increment();
    }

    /** The outcomes inside the window now. */
    public Totals totals() {
        long epoch = System.nanoTime() / bucketNanos;
        long ok = 0;
        long failed = 0;
        for (Bucket b : buckets) {
            long e = b.epoch;
            if (e > epoch - buckets.length && e <= epoch) {
                ok += b.successes.sum();
                failed += b.failures.sum();
            }
        }
        return new Totals(ok, failed);
    }

    /**
     * Outcomes in a window.
     *
     * @param successes calls that did not count as failures
     * @param failures  calls that did
     */
    public record Totals(long successes, long failures) {

        /** All outcomes. */
        public long total() {
            return successes + failures;
        }

        /** Failures over all outcomes; 0 when there were none. */
        public double errorRate() {
            long total = total();
            return total == 0 ? 0 : (double) failures / total;
        }
    }

    private static final class Bucket {
        volatile long epoch = Long.MIN_VALUE;
        final LongAdder successes = new LongAdder();
        final LongAdder failures = new LongAdder();

        synchronized void roll(long newEpoch) {
            if (epoch != newEpoch) {
                successes.reset();
                failures.reset();
                epoch = newEpoch;
            }
        }
    }
}
