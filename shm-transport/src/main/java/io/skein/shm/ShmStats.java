package io.skein.shm;

import java.util.concurrent.atomic.LongAdder;

/**
 * How the frames a shared-memory server (or channel) wrote went out, counted over all its sessions:
 * {@linkplain #inPlace() in place} (a message serialized straight into a slice and sent as it lies:
 * zero copy), {@linkplain #copied() copied} into slices, or {@linkplain #fallback() over the socket}
 * because slices or queue space ran out. Thread-safe; counters only grow.
 */
public final class ShmStats {

    private final LongAdder inPlace = new LongAdder();
    private final LongAdder copied = new LongAdder();
    private final LongAdder fallback = new LongAdder();

    /** Frames whose message was serialized into a slice and sent without a copy. */
    public long inPlace() {
        return inPlace.sum();
    }

    /** Frames encoded or copied into slices. */
    public long copied() {
        return copied.sum();
    }

    /** Frames sent over the control socket (FallbackData). */
    public long fallback() {
        return fallback.sum();
    }

    /** How one frame went out. */
    public enum Outcome { IN_PLACE, COPIED, FALLBACK }

    /** Counts one frame (called by the transport's frame writer). */
    public void count(Outcome outcome) {
        switch (outcome) {
            case IN_PLACE -> inPlace.increment();
            case COPIED -> copied.increment();
            case FALLBACK -> fallback.increment();
        }
    }

    @Override
    public String toString() {
        return "ShmStats(inPlace=" + inPlace() + ", copied=" + copied() + ", fallback=" + fallback() + ")";
    }
}
