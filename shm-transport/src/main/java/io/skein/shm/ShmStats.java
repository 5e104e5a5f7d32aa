package io.skein.shm;

import java.util.concurrent.atomic.LongAdder;

/**
 * How the frames a shared-memory server (or channel) wrote went out, counted over all its sessions:
 * {@linkplain #inPlace() in place} (a message serialized straight into a slice and sent as it lies:
 * zero copy), {@linkplain #copied() copied} into slices, or {@linkplain #fallback() over the socket}
 * because slices or queue space ran out; and the wake-ups written for them. Thread-safe; counters only grow.
 */
public final class ShmStats {

    private final LongAdder inPlace = new LongAdder();
    private final LongAdder copied = new LongAdder();
    private final LongAdder fallback = new LongAdder();
    private final LongAdder wakeups = new LongAdder();

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

    /**
     * Polling events written on the control sockets to wake a peer whose working flag was clear: at most
     * one per flushed batch, and none while the peer works or polls its queue ({@code skein.shm.polling}).
     */
    public long wakeups() {
        return wakeups.sum();
    }

    /** Counts one wake-up written (called by the transport's frame writer). */
    public void wakeup() {
        wakeups.increment();
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
        return "ShmStats(inPlace=" + inPlace() + ", copied=" + copied() + ", fallback=" + fallback() + ", wakeups=" + wakeups() + ")";
    }
}
