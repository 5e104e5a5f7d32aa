package io.skein.shm.ipc;

/**
 * One of a Shmipc session's two IO queues, in shared memory: a ring of fixed-size elements (stream id,
 * offset of the first buffer slice, status) written by one process and read by the other, plus the
 * consumer's "working" flag that lets a producer wake the consumer once per batch instead of once per
 * element (shmipc-go {@code queue.go}).
 *
 * <p>Layout (native byte order), amd64: {@code cap u32 @0, head i64 @4, tail i64 @12, workingFlag u32 @20},
 * elements from 24; arm64: {@code cap @0, workingFlag @4, head @8, tail @16}. An element is
 * {@code seqID u32, offsetInShmBuf u32, status u32}. The producer writes an element, then the tail; the
 * consumer reads the element, then advances the head. Nothing read from shared memory is trusted:
 * head and tail must be ordered and at most {@code cap} apart, or the queue is {@linkplain
 * ShmipcException corrupt}.
 *
 * <p>Threads: one producer and one consumer per queue in this process (the session's event loop).
 */
public final class IoQueue {

    /** Bytes of the queue header. */
    public static final int HEADER = 24;
    /** Bytes of one element. */
    public static final int ELEMENT = 12;

    private static final boolean ARM = "aarch64".equals(System.getProperty("os.arch"));
    private static final int HEAD = ARM ? 8 : 4;
    private static final int TAIL = ARM ? 16 : 12;
    private static final int FLAG = ARM ? 4 : 20;

    private final MappedRegion memory;
    private final int base;
    private final int cap;

    private IoQueue(MappedRegion memory, int base, int cap) {
        this.memory = memory;
        this.base = base;
        this.cap = cap;
    }

    /** Bytes one queue of {@code cap} elements takes. */
    public static int memorySize(int cap) {
        return HEADER + ELEMENT * cap;
    }

    /** Initializes an empty queue of {@code cap} elements at {@code base} (the creator's side). */
    static IoQueue create(MappedRegion memory, int base, int cap) {
        memory.putInt(base, cap);
        memory.putLongVolatile(base + HEAD, 0);
        memory.putLongVolatile(base + TAIL, 0);
        memory.putIntVolatile(base + FLAG, 0);
        return new IoQueue(memory, base, cap);
    }

    /** Maps the queue the peer created at {@code base}, whose region ends at {@code end}. */
    static IoQueue map(MappedRegion memory, int base, int end) {
        int cap = memory.getInt(base);
        if (cap <= 0 || (long) base + HEADER + (long) ELEMENT * cap > end) {
            throw new ShmipcException("corrupt queue header: capacity " + Integer.toUnsignedString(cap)
                    + " does not fit " + (end - base) + " bytes");
        }
        return new IoQueue(memory, base, cap);
    }

    public int capacity() {
        return cap;
    }

    /** Elements waiting. */
    public long size() {
        return memory.getLongAcquire(base + TAIL) - memory.getLongAcquire(base + HEAD);
    }

    /**
     * Appends an element; false when the queue is full. The element is visible to the consumer once
     * this returns (the tail is written after it, with release semantics).
     */
    public boolean put(int streamId, int offset, int status) {
        long tail = memory.getLongAcquire(base + TAIL);
        long head = memory.getLongAcquire(base + HEAD);
        if (tail - head >= cap) {
            return false;
        }
        int at = base + HEADER + (int) Math.floorMod(tail, (long) cap) * ELEMENT;
        memory.putInt(at, streamId);
        memory.putInt(at + 4, offset);
        memory.putInt(at + 8, status);
        memory.putLongVolatile(base + TAIL, tail + 1);
        return true;
    }

    /**
     * Takes the next element into {@code into} ({@code [streamId, offset, status]}); false when empty.
     *
     * @throws ShmipcException when head and tail are inconsistent (a corrupt or hostile peer)
     */
    public boolean pop(int[] into) {
        long head = memory.getLongAcquire(base + HEAD);
        long tail = memory.getLongAcquire(base + TAIL);
        if (head >= tail) {
            if (head < 0 || tail < 0) {
                throw new ShmipcException("corrupt queue: head " + head + ", tail " + tail);
            }
            return false;
        }
        if (head < 0 || tail - head > cap) {
            throw new ShmipcException("corrupt queue: head " + head + ", tail " + tail + ", capacity " + cap);
        }
        int at = base + HEADER + (int) (head % cap) * ELEMENT;
        into[0] = memory.getInt(at);
        into[1] = memory.getInt(at + 4);
        into[2] = memory.getInt(at + 8);
        memory.putLongVolatile(base + HEAD, head + 1);
        return true;
    }

    /** Whether the consumer has said it is draining the queue (so a producer need not wake it). */
    public boolean consumerIsWorking() {
        return memory.getIntVolatile(base + FLAG) > 0;
    }

    /** Producer: claims the right to wake the consumer; true for exactly one producer per idle period. */
    public boolean markWorking() {
        return memory.compareAndSetInt(base + FLAG, 0, 1);
    }

    /**
     * Consumer: sets the working flag while it polls the queue without having been woken, so that a
     * producer sees it working and sends no wake-up; {@link #markNotWorking()} ends that.
     */
    public void holdWorking() {
        memory.putIntVolatile(base + FLAG, 1);
    }

    /**
     * Consumer: clears the working flag, unless elements arrived meanwhile (then it stays set and the
     * consumer must drain again): true when the consumer may go idle.
     */
    public boolean markNotWorking() {
        memory.putIntVolatile(base + FLAG, 0);
        if (size() == 0) {
            return true;
        }
        memory.putIntVolatile(base + FLAG, 1);
        return false;
    }
}
