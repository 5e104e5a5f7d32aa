package io.skein.shm.ipc;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A session's two IO queues in one shared file (shmipc-go's {@code queueManager}): the creator (the
 * client) sends on the first half and receives on the second; the side that maps it does the opposite.
 * Holds one reference on the region, given back by {@link #close()}.
 */
public final class QueuePair implements AutoCloseable {

    private final MappedRegion memory;
    private final IoQueue send;
    private final IoQueue receive;

    private QueuePair(MappedRegion memory, IoQueue send, IoQueue receive) {
        this.memory = memory;
        this.send = send;
        this.receive = receive;
    }

    /** Creates the queue file {@code path} with two queues of {@code cap} elements (client side). */
    public static QueuePair create(Path path, int cap) throws IOException {
        int half = IoQueue.memorySize(cap);
        MappedRegion memory = MappedRegion.create(path, 2 * half);
        return new QueuePair(memory, IoQueue.create(memory, 0, cap), IoQueue.create(memory, half, cap));
    }

    /** Maps the queue file the peer created (server side), refusing a corrupt one. */
    public static QueuePair map(Path path, int maxBytes) throws IOException {
        MappedRegion memory = MappedRegion.open(path, 2 * IoQueue.memorySize(1), maxBytes);
        try {
            int half = memory.size() / 2;
            if (memory.size() % 2 != 0 || half % 4 != 0) {
                throw new ShmipcException("queue file " + path + " has an odd size " + memory.size());
            }
            IoQueue first = IoQueue.map(memory, 0, half);
            IoQueue second = IoQueue.map(memory, half, memory.size());
            return new QueuePair(memory, second, first);
        } catch (RuntimeException e) {
            memory.release();
            throw e;
        }
    }

    /** The queue this side produces into. */
    public IoQueue send() {
        return send;
    }

    /** The queue this side consumes. */
    public IoQueue receive() {
        return receive;
    }

    public MappedRegion memory() {
        return memory;
    }

    @Override
    public void close() {
        memory.release();
    }
}
