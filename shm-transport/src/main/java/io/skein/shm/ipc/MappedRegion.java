package io.skein.shm.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file mapped shared into this process (a Shmipc queue or buffer region), with bounds-checked
 * access in the platform's byte order, as shmipc-go reads it through {@code unsafe} pointers.
 *
 * <p>Every read and write goes through the absolute accessors of one {@link ByteBuffer}, so an offset
 * a hostile peer wrote can never reach outside the mapping: it raises {@link IndexOutOfBoundsException}
 * instead. Ordered accesses use {@link MethodHandles#byteBufferViewVarHandle} where the offset is
 * naturally aligned; shmipc-go's amd64 queue header puts its two 64-bit counters at offsets 4 and 12,
 * which Java cannot access atomically, so those are plain 8-byte reads and writes (single instructions
 * within one cache line on x86) fenced by {@link VarHandle#acquireFence()} / {@link VarHandle#releaseFence()},
 * which is what Go's atomics amount to there: each counter has one writer.
 *
 * <p>Ownership and lifetime: reference counted. The creator holds one reference; every slice handed
 * out to a reader or writer on another thread holds one more ({@link #tryRetain()}). The mapping is
 * unmapped when the count reaches zero, never earlier, so no thread can touch unmapped memory (which
 * would crash the JVM). Thread-safe.
 */
public final class MappedRegion {

    private static final Logger log = LoggerFactory.getLogger(MappedRegion.class);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final ByteBuffer buffer;
    private final MappedByteBuffer mapped;
    private final int size;
    private final String name;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final Runnable onUnmap;

    private MappedRegion(MappedByteBuffer mapped, String name, Runnable onUnmap) {
        this.mapped = mapped;
        this.buffer = mapped.duplicate().order(ByteOrder.nativeOrder());
        this.size = mapped.capacity();
        this.name = name;
        this.onUnmap = onUnmap;
    }

    /**
     * Creates {@code path} (which must not exist) of {@code size} bytes, reserving every page up front by
     * writing zeros through the file (a full tmpfs then fails here with an {@link IOException} instead of
     * killing the process with SIGBUS on first touch of the mapping), and maps it.
     */
    public static MappedRegion create(Path path, int size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        Files.createDirectories(path.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            try {
                reserve(ch, size);
                MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
                return new MappedRegion(m, path.toString(), null);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(path);
                throw e;
            }
        }
    }

    /**
     * Maps the existing file {@code path} whole (its size, at least {@code minSize} and at most
     * {@code maxSize} bytes, else an {@link IOException}).
     */
    public static MappedRegion open(Path path, int minSize, int maxSize) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long length = ch.size();
            if (length < minSize || length > maxSize) {
                throw new IOException("shared memory file " + path + " has " + length + " bytes, expected "
                        + minSize + ".." + maxSize);
            }
            return new MappedRegion(ch.map(FileChannel.MapMode.READ_WRITE, 0, length), path.toString(), null);
        }
    }

    private static void reserve(FileChannel ch, int size) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(Math.min(size, 1 << 20));
        long position = 0;
        while (position < size) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), size - position));
            while (zeros.hasRemaining()) {
                position += ch.write(zeros, position);
            }
        }
        ch.force(false);
    }

    /** Bytes mapped. */
    public int size() {
        return size;
    }

    /** The file this region maps (for logs). */
    public String name() {
        return name;
    }

    /** Takes one more reference unless the region is already released; returns whether it did. */
    public boolean tryRetain() {
        for (;;) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops one reference; the last one unmaps the region. */
    public void release() {
        int n = refs.decrementAndGet();
        if (n == 0) {
            unmap();
        } else if (n < 0) {
            throw new IllegalStateException("region " + name + " released once too often");
        }
    }

    /** References held now (tests). */
    public int refCount() {
        return refs.get();
    }

    /** A view of {@code [offset, offset + length)} (bounds-checked); valid while a reference is held. */
    public ByteBuffer view(int offset, int length) {
        return buffer.slice(offset, length).order(ByteOrder.nativeOrder());
    }

    public int getInt(int offset) {
        return buffer.getInt(offset);
    }

    public void putInt(int offset, int value) {
        buffer.putInt(offset, value);
    }

    public short getShort(int offset) {
        return buffer.getShort(offset);
    }

    public void putShort(int offset, short value) {
        buffer.putShort(offset, value);
    }

    public byte getByte(int offset) {
        return buffer.get(offset);
    }

    public void putByte(int offset, byte value) {
        buffer.put(offset, value);
    }

    public int getIntVolatile(int offset) {
        check(offset, 4);
        return (int) INT.getVolatile(buffer, offset);
    }

    public void putIntVolatile(int offset, int value) {
        check(offset, 4);
        INT.setVolatile(buffer, offset, value);
    }

    public void putIntRelease(int offset, int value) {
        check(offset, 4);
        INT.setRelease(buffer, offset, value);
    }

    public boolean compareAndSetInt(int offset, int expected, int value) {
        check(offset, 4);
        return INT.compareAndSet(buffer, offset, expected, value);
    }

    public int getAndAddInt(int offset, int delta) {
        check(offset, 4);
        return (int) INT.getAndAdd(buffer, offset, delta);
    }

    /** A 64-bit counter with acquire semantics, at any offset (see the class comment). */
    public long getLongAcquire(int offset) {
        check(offset, 8);
        if ((offset & 7) == 0) {
            return (long) LONG.getAcquire(buffer, offset);
        }
        long v = buffer.getLong(offset);
        VarHandle.acquireFence();
        return v;
    }

    /** A 64-bit counter written with release semantics and then fully fenced (Go's atomic store is sequentially consistent). */
    public void putLongVolatile(int offset, long value) {
        check(offset, 8);
        if ((offset & 7) == 0) {
            LONG.setVolatile(buffer, offset, value);
        } else {
            VarHandle.releaseFence();
            buffer.putLong(offset, value);
            VarHandle.fullFence();
        }
    }

    /** Copies {@code length} bytes from {@code src} into the region at {@code offset}. */
    public void put(int offset, ByteBuffer src) {
        buffer.put(offset, src, src.position(), src.remaining());
    }

    /** Copies {@code dst.length} bytes at {@code offset} into {@code dst}. */
    public void get(int offset, byte[] dst, int dstOffset, int length) {
        buffer.get(offset, dst, dstOffset, length);
    }

    private void check(int offset, int width) {
        if (offset < 0 || offset > size - width) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside " + name + " (" + size + " bytes)");
        }
    }

    private void unmap() {
        try {
            Unmapper.unmap(mapped);
        } catch (RuntimeException e) {
            log.debug("could not unmap {} explicitly (the garbage collector will): {}", name, e.toString());
        }
        if (onUnmap != null) {
            onUnmap.run();
        }
    }

    @Override
    public String toString() {
        return "MappedRegion(" + name + ", " + size + " bytes)";
    }

    /** Unmaps a mapped buffer at once through {@code sun.misc.Unsafe.invokeCleaner} (jdk.unsupported). */
    private static final class Unmapper {
        private static final Object UNSAFE;
        private static final Method INVOKE_CLEANER;

        static {
            Object unsafe = null;
            Method invoke = null;
            try {
                Class<?> c = Class.forName("sun.misc.Unsafe");
                Field f = c.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                unsafe = f.get(null);
                invoke = c.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.debug("sun.misc.Unsafe.invokeCleaner unavailable: {}", e.toString());
            }
            UNSAFE = unsafe;
            INVOKE_CLEANER = invoke;
        }

        static void unmap(MappedByteBuffer buffer) {
            if (INVOKE_CLEANER == null) {
                return;
            }
            try {
                INVOKE_CLEANER.invoke(UNSAFE, buffer);
            } catch (ReflectiveOperationException e) {
                throw new UncheckedIOException(new IOException("unmap failed", e));
            }
        }
    }
}
