package io.skein.shm.ipc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buffer regions a server maps for its sessions, by path: a shmipc-go client shares one buffer
 * file among all its sessions, so sessions naming the same path share one mapping. When the last
 * session using a region ends, the server unmaps it and removes the file, as shmipc-go's server does
 * (so a client that was killed leaves nothing in {@code /dev/shm}). Queue files are per session: they
 * are removed as soon as they are mapped. Thread-safe.
 */
public final class ServerMemory {

    private static final Logger log = LoggerFactory.getLogger(ServerMemory.class);

    private final int maxMappingSize;
    private final Map<Path, Entry> buffers = new HashMap<>();

    private static final class Entry {
        final BufferManager manager;
        int sessions;

        Entry(BufferManager manager) {
            this.manager = manager;
        }
    }

    public ServerMemory(int maxMappingSize) {
        this.maxMappingSize = maxMappingSize;
    }

    /** Maps a session's queue file and removes it (nobody else needs it). */
    public QueuePair mapQueues(Path path) throws IOException {
        checkPath(path);
        QueuePair queues = QueuePair.map(path, maxMappingSize);
        delete(path);
        return queues;
    }

    /** The buffer region at {@code path}, mapped on first use; give it back with {@link #release}. */
    public synchronized BufferManager acquire(Path path) throws IOException {
        checkPath(path);
        Path key = path.toAbsolutePath().normalize();
        Entry e = buffers.get(key);
        if (e == null) {
            e = new Entry(BufferManager.map(key, maxMappingSize));
            buffers.put(key, e);
        }
        e.sessions++;
        return e.manager;
    }

    /** A session no longer uses the region at {@code path}; the last one unmaps it and removes the file. */
    public void release(Path path) {
        Path key = path.toAbsolutePath().normalize();
        Entry gone = null;
        synchronized (this) {
            Entry e = buffers.get(key);
            if (e != null && --e.sessions == 0) {
                buffers.remove(key);
                gone = e;
            }
        }
        if (gone != null) {
            gone.manager.close();
            delete(key);
        }
    }

    /** {@code [free, total]} slices over every region mapped now (a region at rest has all its slices free). */
    public synchronized int[] slices() {
        int free = 0;
        int total = 0;
        for (Entry e : buffers.values()) {
            free += e.manager.freeSlices();
            total += e.manager.totalSlices();
        }
        return new int[] {free, total};
    }

    /** Buffer regions mapped now (tests). */
    public synchronized int mapped() {
        return buffers.size();
    }

    private static void checkPath(Path path) throws IOException {
        if (!path.isAbsolute() || !Files.isRegularFile(path)) {
            throw new IOException("shared memory path " + path + " is not an existing absolute file");
        }
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("could not remove {}: {}", path, e.toString());
        }
    }
}
