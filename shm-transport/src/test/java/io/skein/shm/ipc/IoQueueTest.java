package io.skein.shm.ipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The IO queue in shared memory: order, capacity, the working flag, the peer's view, and a corrupt header refused. */
class IoQueueTest {

    private final Path file = Path.of("/dev/shm/skein-queue-test-" + UUID.randomUUID());
    private QueuePair pair;

    @AfterEach
    void remove() throws IOException {
        if (pair != null) {
            pair.close();
        }
        Files.deleteIfExists(file);
    }

    private IoQueue queue(int cap) throws IOException {
        pair = QueuePair.create(file, cap);
        return pair.send();
    }

    @Test
    void elementsComeOutInTheOrderTheyWentInAcrossManyWrapArounds() throws IOException {
        IoQueue q = queue(7);
        int[] got = new int[3];
        int next = 0;
        for (int i = 0; i < 1000; i++) {
            assertTrue(q.put(i, i * 4, i & 1));
            if (i % 3 == 2) {
                while (q.pop(got)) {
                    assertArrayEquals(new int[] {next, next * 4, next & 1}, got);
                    next++;
                }
            }
        }
        while (q.pop(got)) {
            next++;
        }
        assertEquals(1000, next);
        assertEquals(0, q.size());
    }

    @Test
    void aFullQueueRefusesAnElementUntilOneIsTaken() throws IOException {
        IoQueue q = queue(4);
        for (int i = 0; i < 4; i++) {
            assertTrue(q.put(i, 0, 0));
        }
        assertFalse(q.put(9, 0, 0), "full");
        assertEquals(4, q.size());
        int[] got = new int[3];
        assertTrue(q.pop(got));
        assertTrue(q.put(9, 0, 0));
        assertFalse(q.pop(new int[3]) && q.size() > 4);
    }

    @Test
    void theWorkingFlagLetsOneProducerWakeTheConsumerOncePerIdlePeriod() throws IOException {
        IoQueue q = queue(8);
        assertTrue(q.markWorking(), "the first producer of an idle period wins");
        assertFalse(q.markWorking(), "the consumer is already being woken");
        assertTrue(q.consumerIsWorking());
        assertTrue(q.markNotWorking(), "an empty queue lets the consumer go idle");
        assertFalse(q.consumerIsWorking());
        assertTrue(q.markWorking());
        q.put(1, 2, 0);
        assertFalse(q.markNotWorking(), "an element that arrived while draining keeps the consumer working");
        assertTrue(q.consumerIsWorking());
        assertFalse(q.markWorking(), "so no producer needs to wake it");
    }

    @Test
    void theSideThatMapsTheFileReceivesWhatTheCreatorSendsAndTheOtherWayRound() throws IOException {
        pair = QueuePair.create(file, 16);
        try (QueuePair peer = QueuePair.map(file, 1 << 20)) {
            assertEquals(16, peer.receive().capacity());
            assertTrue(pair.send().put(3, 4096, 0));
            assertTrue(peer.send().put(5, 8192, 1));
            int[] got = new int[3];
            assertTrue(peer.receive().pop(got));
            assertArrayEquals(new int[] {3, 4096, 0}, got);
            assertTrue(pair.receive().pop(got));
            assertArrayEquals(new int[] {5, 8192, 1}, got);
            assertFalse(pair.receive().pop(got));
        }
    }

    @Test
    void aProducerAndAConsumerOnTwoThreadsNeitherLoseNorReorderElements() throws Exception {
        pair = QueuePair.create(file, 64);
        try (QueuePair peer = QueuePair.map(file, 1 << 20)) {
            int n = 200_000;
            CompletableFuture<Integer> consumer = CompletableFuture.supplyAsync(() -> {
                int[] got = new int[3];
                int expected = 0;
                while (expected < n) {
                    if (peer.receive().pop(got)) {
                        if (got[0] != expected || got[1] != expected * 3) {
                            return -expected - 1;
                        }
                        expected++;
                    } else {
                        Thread.onSpinWait();
                    }
                }
                return expected;
            });
            for (int i = 0; i < n; ) {
                if (pair.send().put(i, i * 3, 0)) {
                    i++;
                } else {
                    Thread.onSpinWait();
                }
            }
            assertEquals(n, consumer.get(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void headAndTailACorruptPeerWroteAreRefusedInsteadOfRead() throws IOException {
        IoQueue q = queue(8);
        MappedRegion m = pair.memory();
        boolean arm = "aarch64".equals(System.getProperty("os.arch"));
        int head = arm ? 8 : 4;
        int tail = arm ? 16 : 12;
        m.putLongVolatile(tail, 100); // 100 elements "waiting" in a queue of 8
        assertThrows(ShmipcException.class, () -> q.pop(new int[3]));
        m.putLongVolatile(head, -5);
        m.putLongVolatile(tail, -1);
        assertThrows(ShmipcException.class, () -> q.pop(new int[3]));
    }

    @Test
    void aQueueFileWhoseHeaderDoesNotFitItsSizeIsRefused() throws IOException {
        pair = QueuePair.create(file, 16);
        pair.memory().putInt(0, 1 << 30); // capacity far beyond the file
        assertThrows(ShmipcException.class, () -> QueuePair.map(file, 1 << 20));
        pair.memory().putInt(0, -1);
        assertThrows(ShmipcException.class, () -> QueuePair.map(file, 1 << 20));
        assertThrows(IOException.class, () -> QueuePair.map(file, 64), "a file larger than the mapping limit");
    }

    @Test
    void aConsumerHoldingItsWorkingFlagToPollIsNeverWokenUntilItLetsGo() throws IOException {
        IoQueue q = queue(8);
        int[] got = new int[3];
        q.holdWorking();
        for (int i = 0; i < 5; i++) {
            assertTrue(q.put(i, 0, 0));
            assertFalse(q.markWorking(), "the consumer polls: no producer needs to wake it");
            assertTrue(q.pop(got));
        }
        assertTrue(q.markNotWorking(), "empty: the consumer lets go of the flag");
        assertTrue(q.put(9, 0, 0));
        assertTrue(q.markWorking(), "the next producer wakes it again");
    }
}
