package io.skein.shm.ipc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The shared buffer region of a Shmipc session (shmipc-go {@code buffer_manager.go}): lists of
 * fixed-size slices in a few size classes, each list a lock-free free list that both processes pop
 * from and push to with compare-and-set on its head and tail. A message is a chain of slices linked by
 * their headers; the IO queue carries the offset of its first slice.
 *
 * <p>Layout (native byte order): {@code listCount u16 @0, reserved u16, usedLength u32 @4}; then each
 * list: {@code size i32 @0, cap u32 @4, head u32 @8, tail u32 @12, capPerBuffer u32 @16, counter i32
 * @20 (written by the creator) or @24 (by the side that maps it: shmipc-go v0.2.0 reads it there)},
 * 36 bytes, followed by {@code cap} slices of a 20-byte header ({@code cap u32, size u32, start u32,
 * next u32, flags u8: 1 has-next, 2 in-use}) and {@code capPerBuffer} data bytes. In a free list
 * {@code next} is relative to the list's slice region; in a message chain it is the absolute offset.
 *
 * <p>Nothing the peer wrote is trusted: the list layout is read once, checked against the mapping and
 * kept in this object; every slice offset that arrives (from the queue, a chain or a free list) must
 * be the start of a slice of a known list with that list's capacity, and a chain may hold at most as
 * many slices as exist. A violation is a {@link ShmipcException}; no read ever leaves the mapping.
 *
 * <p>Threads: allocation and recycling are lock-free and safe from any thread of either process.
 * Holds one reference on the region, dropped by {@link #close()}.
 */
public final class BufferManager implements AutoCloseable {

    /** Bytes of a slice header. */
    public static final int SLICE_HEADER = 20;
    private static final int MANAGER_HEADER = 8;
    private static final int LIST_HEADER = 36;
    private static final int S_CAP = 0;
    private static final int S_SIZE = 4;
    private static final int S_START = 8;
    private static final int S_NEXT = 12;
    private static final int S_FLAGS = 16;
    private static final int HAS_NEXT = 1;
    private static final int IN_USE = 2;
    private static final int POP_RETRIES = 200;

    /** One size class: slices of {@code size} data bytes taking {@code percent} of the region. */
    public record SliceClass(int size, int percent) {
        public SliceClass {
            if (size <= 0 || percent <= 0 || percent > 100) {
                throw new IllegalArgumentException("slice class " + size + " bytes / " + percent + " %");
            }
        }
    }

    /** shmipc-go's defaults: half the region in 8 KiB slices, 30 % in 32 KiB, 20 % in 128 KiB (header included). */
    public static final List<SliceClass> DEFAULT_CLASSES = List.of(
            new SliceClass(8192 - SLICE_HEADER, 50), new SliceClass(32 * 1024 - SLICE_HEADER, 30),
            new SliceClass(128 * 1024 - SLICE_HEADER, 20));

    /** One free list, as this side laid it out or checked it; immutable. */
    private record SliceList(int offset, int cap, int capPerBuffer, int region, int counterOffset) {
        int stride() {
            return capPerBuffer + SLICE_HEADER;
        }

        int end() {
            return region + cap * stride();
        }

        boolean holds(int absolute) {
            return absolute >= region && absolute < end() && (absolute - region) % stride() == 0;
        }
    }

    private final MappedRegion memory;
    private final SliceList[] lists; // ascending capPerBuffer
    private final int totalSlices;

    private BufferManager(MappedRegion memory, SliceList[] lists) {
        this.memory = memory;
        this.lists = lists;
        int total = 0;
        for (SliceList l : lists) {
            total += l.cap();
        }
        this.totalSlices = total;
    }

    /** Creates the buffer file {@code path} of {@code capacity} bytes divided as {@code classes} say (the client's side). */
    public static BufferManager create(Path path, int capacity, List<SliceClass> classes) throws IOException {
        List<SliceClass> sorted = new ArrayList<>(classes);
        sorted.sort(Comparator.comparingInt(SliceClass::size));
        int percent = sorted.stream().mapToInt(SliceClass::percent).sum();
        if (sorted.isEmpty() || percent != 100) {
            throw new IllegalArgumentException("slice classes must add up to 100 %, not " + percent);
        }
        long regionCap = (long) capacity - (long) LIST_HEADER * sorted.size() - MANAGER_HEADER;
        if (regionCap <= 0) {
            throw new IllegalArgumentException("buffer capacity " + capacity + " is too small");
        }
        MappedRegion memory = MappedRegion.create(path, capacity);
        try {
            memory.putShort(0, (short) sorted.size());
            int used = MANAGER_HEADER;
            SliceList[] lists = new SliceList[sorted.size()];
            for (int i = 0; i < lists.length; i++) {
                SliceClass c = sorted.get(i);
                int count = (int) (regionCap * c.percent() / 100 / (c.size() + SLICE_HEADER));
                if (count < 1) {
                    throw new IllegalArgumentException("buffer capacity " + capacity + " leaves no room for "
                            + c.size() + "-byte slices");
                }
                lists[i] = initList(memory, used, count, c.size());
                used += LIST_HEADER + count * (c.size() + SLICE_HEADER);
            }
            memory.putInt(4, used - MANAGER_HEADER);
            return new BufferManager(memory, lists);
        } catch (RuntimeException e) {
            memory.release();
            java.nio.file.Files.deleteIfExists(path);
            throw e;
        }
    }

    private static SliceList initList(MappedRegion m, int offset, int count, int capPerBuffer) {
        SliceList l = new SliceList(offset, count, capPerBuffer, offset + LIST_HEADER, offset + 20);
        m.putInt(offset, count);
        m.putInt(offset + 4, count);
        m.putInt(offset + 8, 0);
        m.putInt(offset + 12, (count - 1) * l.stride());
        m.putInt(offset + 16, capPerBuffer);
        m.putInt(offset + 20, 0);
        for (int i = 0; i < count; i++) {
            int s = l.region() + i * l.stride();
            m.putInt(s + S_CAP, capPerBuffer);
            m.putInt(s + S_SIZE, 0);
            m.putInt(s + S_START, 0);
            m.putInt(s + S_NEXT, i < count - 1 ? (i + 1) * l.stride() : 0);
            m.putInt(s + S_FLAGS, i < count - 1 ? HAS_NEXT : 0);
        }
        return l;
    }

    /** Maps the buffer file the peer created (the server's side), refusing a layout that does not fit it. */
    public static BufferManager map(Path path, int maxBytes) throws IOException {
        MappedRegion memory = MappedRegion.open(path, MANAGER_HEADER + LIST_HEADER, maxBytes);
        try {
            return new BufferManager(memory, checkLayout(memory, path));
        } catch (RuntimeException e) {
            memory.release();
            throw e;
        }
    }

    private static SliceList[] checkLayout(MappedRegion m, Path path) {
        int count = m.getShort(0) & 0xFFFF;
        if (count == 0 || count > 64) {
            throw new ShmipcException("corrupt buffer file " + path + ": " + count + " slice lists");
        }
        SliceList[] lists = new SliceList[count];
        long at = MANAGER_HEADER;
        for (int i = 0; i < count; i++) {
            if (at + LIST_HEADER > m.size()) {
                throw new ShmipcException("corrupt buffer file " + path + ": list " + i + " starts beyond the mapping");
            }
            int offset = (int) at;
            long cap = m.getInt(offset + 4) & 0xFFFFFFFFL;
            long per = m.getInt(offset + 16) & 0xFFFFFFFFL;
            long needs = LIST_HEADER + cap * (per + SLICE_HEADER);
            if (cap < 1 || per < 1 || per % 4 != 0 || at + needs > m.size()
                    || i > 0 && per <= lists[i - 1].capPerBuffer()) {
                throw new ShmipcException("corrupt buffer file " + path + ": list " + i + " of " + cap + " slices of "
                        + per + " bytes does not fit " + m.size() + " bytes");
            }
            lists[i] = new SliceList(offset, (int) cap, (int) per, offset + LIST_HEADER, offset + 24);
            at += needs;
        }
        return lists;
    }

    public MappedRegion memory() {
        return memory;
    }

    /** The largest slice's data capacity. */
    public int maxSliceSize() {
        return lists[lists.length - 1].capPerBuffer();
    }

    /** Slices in all lists. */
    public int totalSlices() {
        return totalSlices;
    }

    /** Slices free right now, by the lists' counters. */
    public int freeSlices() {
        int free = 0;
        for (SliceList l : lists) {
            free += Math.max(0, memory.getIntVolatile(l.offset()));
        }
        return free;
    }

    /**
     * Pops one slice that holds {@code size} bytes (the smallest class that fits and has one free);
     * returns its offset, or -1 when none is free.
     */
    public int allocate(int size) {
        for (SliceList l : lists) {
            if (size <= l.capPerBuffer()) {
                int s = pop(l);
                if (s >= 0) {
                    return s;
                }
            }
        }
        return -1;
    }

    /**
     * Allocates a chain of slices holding {@code size} bytes, largest classes first (shmipc-go's
     * {@code allocShmBuffers}), linked and sized to be filled in order; returns the first slice's offset,
     * or -1 (with nothing allocated) when the free slices do not add up to {@code size}.
     */
    public int allocateChain(int size) {
        if (size <= maxSliceSize()) {
            int single = allocate(size);
            if (single >= 0 || size <= lists[0].capPerBuffer()) {
                return single;
            }
        }
        int first = -1;
        int last = -1;
        long remain = size;
        for (int i = lists.length - 1; i >= 0 && remain > 0; i--) {
            while (remain > 0) {
                int s = pop(lists[i]);
                if (s < 0) {
                    break;
                }
                if (first < 0) {
                    first = s;
                } else {
                    link(last, s);
                }
                last = s;
                remain -= lists[i].capPerBuffer();
            }
        }
        if (remain > 0) {
            if (first >= 0) {
                recycleChain(first);
            }
            return -1;
        }
        return first;
    }

    private int pop(SliceList l) {
        int oldHead = memory.getIntVolatile(l.offset() + 8);
        int remain = memory.getAndAddInt(l.offset(), -1) - 1;
        if (remain <= 0) {
            memory.getAndAddInt(l.offset(), 1);
            return -1;
        }
        for (int i = 0; i < POP_RETRIES; i++) {
            int slice = l.region() + oldHead;
            if (oldHead < 0 || !l.holds(slice)) {
                memory.getAndAddInt(l.offset(), 1);
                throw new ShmipcException("corrupt free list: head " + oldHead + " is not a slice of its list");
            }
            int flags = memory.getIntVolatile(slice + S_FLAGS);
            if ((flags & HAS_NEXT) != 0) {
                int next = memory.getInt(slice + S_NEXT);
                if (memory.compareAndSetInt(l.offset() + 8, oldHead, next)) {
                    memory.putInt(slice + S_SIZE, 0);
                    memory.putInt(slice + S_START, 0);
                    memory.putIntVolatile(slice + S_FLAGS, IN_USE);
                    memory.getAndAddInt(l.counterOffset(), 1);
                    return slice;
                }
            } else if (memory.getIntVolatile(l.offset()) <= 1) {
                break; // the last slice of a list is never handed out (shmipc-go's rule)
            }
            oldHead = memory.getIntVolatile(l.offset() + 8);
        }
        memory.getAndAddInt(l.offset(), 1);
        return -1;
    }

    /** Returns one slice to its free list. */
    public void recycle(int slice) {
        SliceList l = listOf(slice);
        memory.putInt(slice + S_SIZE, 0);
        memory.putInt(slice + S_START, 0);
        memory.putIntVolatile(slice + S_FLAGS, 0);
        int newTail = slice - l.region();
        for (;;) {
            int oldTail = memory.getIntVolatile(l.offset() + 12);
            if (memory.compareAndSetInt(l.offset() + 12, oldTail, newTail)) {
                int previous = l.region() + oldTail;
                if (oldTail < 0 || !l.holds(previous)) {
                    throw new ShmipcException("corrupt free list: tail " + oldTail + " is not a slice of its list");
                }
                memory.putInt(previous + S_NEXT, newTail);
                memory.putIntVolatile(previous + S_FLAGS, memory.getIntVolatile(previous + S_FLAGS) | HAS_NEXT);
                memory.getAndAddInt(l.offset(), 1);
                memory.getAndAddInt(l.counterOffset(), -1);
                return;
            }
        }
    }

    /** Returns every slice of the chain starting at {@code first} (as read from its headers). */
    public void recycleChain(int first) {
        int slice = first;
        for (int n = 0; n <= totalSlices; n++) {
            listOf(slice); // a slice of this region before its header is read
            boolean more = hasNext(slice);
            int next = more ? next(slice) : -1;
            recycle(slice);
            if (!more) {
                return;
            }
            slice = next;
        }
        throw new ShmipcException("corrupt chain: longer than the " + totalSlices + " slices there are");
    }

    /**
     * Checks that {@code offset} starts a slice and that the chain from it is well formed (each slice
     * of a known list, data within its capacity, at most as many slices as exist); returns the number of
     * data bytes the chain holds.
     */
    public long checkChain(int offset) {
        long bytes = 0;
        int slice = offset;
        for (int n = 0; n < totalSlices; n++) {
            SliceList l = listOf(slice);
            long start = memory.getInt(slice + S_START) & 0xFFFFFFFFL;
            long size = memory.getInt(slice + S_SIZE) & 0xFFFFFFFFL;
            if (start + size > l.capPerBuffer()) {
                throw new ShmipcException("corrupt slice at " + slice + ": data [" + start + ", " + (start + size)
                        + ") beyond its capacity " + l.capPerBuffer());
            }
            bytes += size;
            if (!hasNext(slice)) {
                return bytes;
            }
            slice = next(slice);
        }
        throw new ShmipcException("corrupt chain from " + offset + ": longer than the " + totalSlices + " slices there are");
    }

    private SliceList listOf(int slice) {
        for (SliceList l : lists) {
            if (l.holds(slice)) {
                if (memory.getInt(slice + S_CAP) != l.capPerBuffer()) {
                    throw new ShmipcException("corrupt slice at " + slice + ": capacity " + memory.getInt(slice + S_CAP)
                            + " in a list of " + l.capPerBuffer() + "-byte slices");
                }
                return l;
            }
        }
        throw new ShmipcException("offset " + Integer.toUnsignedString(slice) + " is not a slice of the buffer region");
    }

    /** Data capacity of the slice at {@code slice} (by its list, not its header). */
    public int capacity(int slice) {
        return listOf(slice).capPerBuffer();
    }

    /** Offset of the slice's first data byte (its data area, before {@code start}). */
    public static int data(int slice) {
        return slice + SLICE_HEADER;
    }

    public int size(int slice) {
        return memory.getInt(slice + S_SIZE);
    }

    public int start(int slice) {
        return memory.getInt(slice + S_START);
    }

    /** Sets the data window of a slice being written: {@code size} bytes from {@code start}. */
    public void setData(int slice, int start, int size) {
        memory.putInt(slice + S_START, start);
        memory.putInt(slice + S_SIZE, size);
    }

    public boolean hasNext(int slice) {
        return (memory.getInt(slice + S_FLAGS) & HAS_NEXT) != 0;
    }

    /** The absolute offset of the slice after {@code slice} in a message chain. */
    public int next(int slice) {
        return memory.getInt(slice + S_NEXT);
    }

    /** Links {@code slice} to {@code next} in a message chain (absolute offset). */
    public void link(int slice, int next) {
        memory.putInt(slice + S_NEXT, next);
        memory.putInt(slice + S_FLAGS, memory.getInt(slice + S_FLAGS) | HAS_NEXT);
    }

    @Override
    public void close() {
        memory.release();
    }
}
