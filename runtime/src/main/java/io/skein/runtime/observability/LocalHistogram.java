package io.skein.runtime.observability;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import kamon.metric.Histogram;

/**
 * A histogram that one thread records into with plain stores, and that another thread drains into a
 * Kamon histogram now and then: what {@link RpcMetrics} records each call into instead of Kamon's atomic
 * histogram, which costs an atomic read-modify-write per value.
 *
 * <p>Buckets are those of Kamon's default histograms (HdrHistogram with two significant digits): values
 * below 256 exactly, then 128 buckets per power of two. A drain records each bucket's new count at the
 * bucket's lowest value, which lands in the same bucket of a Kamon histogram with these settings, so
 * nothing is lost in precision; a Kamon histogram configured finer sees values rounded down to 0.8 %.
 * Negative values count as 0. Buckets are allocated a power of two at a time, when first used.
 *
 * <p>Threads: {@link #record} only on the owning thread; {@link #drainInto} on one thread at a time, any
 * thread. Each count only grows and is written with opaque stores, so a drain sees every count whole and
 * takes what it has not taken before; a value recorded during a drain goes with the next one.
 */
final class LocalHistogram {

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle CHUNKS = MethodHandles.arrayElementVarHandle(long[][].class);

    /** Chunk 0: values 0..255; chunk k >= 1: values 2^(k+7) .. 2^(k+8) - 1, in 128 buckets. */
    private static final int CHUNK_COUNT = 64 - 8 + 1;

    private final long[][] counts = new long[CHUNK_COUNT][]; // written by the owner
    private final long[][] drained = new long[CHUNK_COUNT][]; // the drainer's: counts already taken

    /** Counts {@code value} once. Owner thread only. */
    void record(long value) {
        int chunk;
        int index;
        if (value < 256) {
            chunk = 0;
            index = (int) Math.max(0, value);
        } else {
            int exponent = 63 - Long.numberOfLeadingZeros(value);
            chunk = exponent - 7;
            index = (int) (value >>> (exponent - 7)) & 127;
        }
        long[] c = counts[chunk];
        if (c == null) {
            c = new long[chunk == 0 ? 256 : 128];
            CHUNKS.setRelease(counts, chunk, c); // the drainer sees the array only once it is made
        }
        COUNTS.setOpaque(c, index, c[index] + 1);
    }

    /** Records into {@code into} what was counted since the last drain. One drainer at a time. */
    void drainInto(Histogram into) {
        for (int chunk = 0; chunk < CHUNK_COUNT; chunk++) {
            long[] c = (long[]) CHUNKS.getAcquire(counts, chunk);
            if (c == null) {
                continue;
            }
            long[] seen = drained[chunk];
            if (seen == null) {
                seen = new long[c.length];
                drained[chunk] = seen;
            }
            for (int i = 0; i < c.length; i++) {
                long now = (long) COUNTS.getOpaque(c, i);
                if (now != seen[i]) {
                    into.record(lowest(chunk, i), now - seen[i]);
                    seen[i] = now;
                }
            }
        }
    }

    /** The lowest value of bucket {@code index} of {@code chunk}. */
    static long lowest(int chunk, int index) {
        return chunk == 0 ? index : (long) (128 + index) << chunk;
    }
}
