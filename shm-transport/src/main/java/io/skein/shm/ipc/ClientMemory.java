package io.skein.shm.ipc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared memory a client session creates before it connects: its queue file and its buffer file
 * (one buffer region per session, unlike shmipc-go's one per process, so that the files can be
 * unlinked as soon as the server has mapped them and nothing is left in {@code /dev/shm} whatever
 * happens to either process later). Creating reserves every page (see {@link MappedRegion#create}),
 * which blocks: call it off the event loop.
 */
public final class ClientMemory implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClientMemory.class);
    private static final AtomicLong COUNTER = new AtomicLong();

    private final Path queuePath;
    private final Path bufferPath;
    private final QueuePair queues;
    private final BufferManager buffers;
    private volatile boolean unlinked;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private ClientMemory(Path queuePath, Path bufferPath, QueuePair queues, BufferManager buffers) {
        this.queuePath = queuePath;
        this.bufferPath = bufferPath;
        this.queues = queues;
        this.buffers = buffers;
    }

    /** Creates both files under {@code config.pathPrefix()}; on failure nothing is left behind. */
    public static ClientMemory create(ShmipcConfig config) throws IOException {
        String base = config.pathPrefix() + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        Path queuePath = Path.of(base + "_queue");
        Path bufferPath = Path.of(base + "_buffer");
        QueuePair queues = QueuePair.create(queuePath, config.queueCapacity());
        try {
            BufferManager buffers = BufferManager.create(bufferPath, config.bufferCapacity(), config.sliceClasses());
            return new ClientMemory(queuePath, bufferPath, queues, buffers);
        } catch (IOException | RuntimeException e) {
            queues.close();
            Files.deleteIfExists(queuePath);
            throw e;
        }
    }

    public Path queuePath() {
        return queuePath;
    }

    public Path bufferPath() {
        return bufferPath;
    }

    public QueuePair queues() {
        return queues;
    }

    public BufferManager buffers() {
        return buffers;
    }

    /** Removes both files (the mappings stay valid); idempotent. */
    public void unlink() {
        if (unlinked) {
            return;
        }
        unlinked = true;
        for (Path p : new Path[] {queuePath, bufferPath}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.warn("could not remove shared memory file {}: {}", p, e.toString());
            }
        }
    }

    /**
     * Unlinks the files and drops this side's references (the memory goes once no slice is held);
     * idempotent, since both a session that ran and a connection attempt that failed may close it.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        unlink();
        queues.close();
        buffers.close();
    }
}
