package io.skein.runtime.observability;

import io.skein.protocols.StatusCode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One thread's counts for one set of {@link RpcMetrics.Instruments}: calls started, calls finished per
 * status code, and histograms (durations per status code, message sizes, messages per call). The owning
 * thread records with plain (opaque) stores, no atomic read-modify-write; {@link RpcMetrics#flush} takes
 * what grew since its last turn and adds it to Kamon's instruments.
 *
 * <p>Threads: the record methods only on {@link OfThread#owner()}; the take methods and
 * {@link #histogram} on the flusher, one at a time. Counts only grow; histograms are made by the owner
 * when first needed and published with a release store.
 */
final class MetricCells {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HISTOGRAMS = MethodHandles.arrayElementVarHandle(LocalHistogram[].class);
    private static final int CODES = StatusCode.values().length;

    /** Histogram slots after the per-code durations (0 .. codes - 1). */
    static final int REQUEST_SIZE = CODES;
    static final int RESPONSE_SIZE = CODES + 1;
    static final int REQUESTS_PER_RPC = CODES + 2;
    static final int RESPONSES_PER_RPC = CODES + 3;

    private final RpcMetrics.Instruments instruments;
    private final long[] counts = new long[1 + CODES]; // 0: started; 1 + code: finished with code
    private final long[] taken = new long[1 + CODES];  // the flusher's
    private final LocalHistogram[] histograms = new LocalHistogram[CODES + 4];

    private MetricCells(RpcMetrics.Instruments instruments) {
        this.instruments = instruments;
    }

    RpcMetrics.Instruments instruments() {
        return instruments;
    }

    /** A call started. Owner only. */
    void started() {
        LONGS.setOpaque(counts, 0, counts[0] + 1);
    }

    /** A call ended with {@code code} after {@code nanos}. Owner only. */
    void finished(StatusCode code, long nanos) {
        int i = code.ordinal();
        LONGS.setOpaque(counts, 1 + i, counts[1 + i] + 1);
        record(i, nanos);
    }

    /** Records {@code value} in histogram {@code slot} (a code's ordinal for durations, or a named slot). Owner only. */
    void record(int slot, long value) {
        LocalHistogram h = histograms[slot];
        if (h == null) {
            h = new LocalHistogram();
            HISTOGRAMS.setRelease(histograms, slot, h);
        }
        h.record(value);
    }

    /** Calls started since the last take. Flusher only. */
    long takeStarted() {
        return take(0);
    }

    /** Calls finished with the code of ordinal {@code code} since the last take. Flusher only. */
    long takeFinished(int code) {
        return take(1 + code);
    }

    private long take(int i) {
        long now = (long) LONGS.getOpaque(counts, i);
        long d = now - taken[i];
        taken[i] = now;
        return d;
    }

    /** Histogram {@code slot}, or null if nothing was recorded in it yet. Flusher only. */
    LocalHistogram histogram(int slot) {
        return (LocalHistogram) HISTOGRAMS.getAcquire(histograms, slot);
    }

    /**
     * One thread's cells, indexed by {@link RpcMetrics.Instruments#id}. The owner adds cells by publishing a
     * grown copy of the array (volatile store), so the flusher iterates a consistent array.
     */
    static final class OfThread {
        private final Thread owner = Thread.currentThread();
        private volatile MetricCells[] byId = new MetricCells[8];

        Thread owner() {
            return owner;
        }

        /** The cells of {@code instruments}, made on first use. Owner only. */
        MetricCells of(RpcMetrics.Instruments instruments) {
            MetricCells[] a = byId;
            MetricCells c;
            if (instruments.id < a.length && (c = a[instruments.id]) != null) {
                return c;
            }
            return add(instruments);
        }

        private MetricCells add(RpcMetrics.Instruments instruments) {
            MetricCells[] a = Arrays.copyOf(byId, Math.max(byId.length, Integer.highestOneBit(instruments.id) * 2));
            MetricCells c = new MetricCells(instruments);
            a[instruments.id] = c;
            byId = a;
            return c;
        }

        /** Each cells of this thread. Flusher. */
        void forEach(Consumer<MetricCells> action) {
            for (MetricCells c : byId) {
                if (c != null) {
                    action.accept(c);
                }
            }
        }
    }
}
