package io.skein.shm.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The buffer manager: shmipc-go's layout and size classes, the lock-free free lists shared by the creator
 * and the side that maps the file, chains, and what a corrupt or hostile peer can write refused without
 * reading outside the mapping.
 */
class BufferManagerTest {

    private static final int H = BufferManager.SLICE_HEADER;
    // slice header fields (see BufferManager's class comment)
    private static final int CAP = 0;
    private static final int SIZE = 4;
    private static final int START = 8;
    private static final int NEXT = 12;
    private static final int FLAGS = 16;

    private final Path file = Path.of("/dev/shm/skein-buffer-test-" + UUID.randomUUID());
    private final List<BufferManager> open = new ArrayList<>();

    @AfterEach
    void remove() throws IOException {
        open.forEach(BufferManager::close);
        Files.deleteIfExists(file);
    }

    private BufferManager create(int capacity) throws IOException {
        BufferManager bm = BufferManager.create(file, capacity, BufferManager.DEFAULT_CLASSES);
        open.add(bm);
        return bm;
    }

    private BufferManager mapped() throws IOException {
        BufferManager bm = BufferManager.map(file, 1 << 30);
        open.add(bm);
        return bm;
    }

    @Test
    void theDefaultClassesDivideTheRegionAsShmipcGoDoesAndThePeerReadsTheSameLayout() throws IOException {
        int capacity = 32 << 20;
        BufferManager bm = create(capacity);
        long region = capacity - 3L * 36 - 8;
        int expected = 0;
        for (int[] c : new int[][] {{8192, 50}, {32 * 1024, 30}, {128 * 1024, 20}}) {
            expected += (int) (region * c[1] / 100 / c[0]);
        }
        assertEquals(expected, bm.totalSlices());
        assertEquals(128 * 1024 - H, bm.maxSliceSize());
        assertEquals(bm.totalSlices(), bm.freeSlices());
        assertEquals(3, bm.memory().getShort(0), "list count");
        BufferManager peer = mapped();
        assertEquals(bm.totalSlices(), peer.totalSlices());
        assertEquals(bm.maxSliceSize(), peer.maxSliceSize());
        assertEquals(bm.freeSlices(), peer.freeSlices());
    }

    @Test
    void aSliceComesFromTheSmallestClassThatFitsAndALargerOneWhenThatIsEmpty() throws IOException {
        BufferManager bm = create(1 << 20);
        int small = bm.allocate(100);
        assertEquals(8192 - H, bm.capacity(small));
        assertEquals(32 * 1024 - H, bm.capacity(bm.allocate(9000)));
        assertEquals(-1, bm.allocate(bm.maxSliceSize() + 1), "no single slice holds more than the largest class");
        List<Integer> taken = new ArrayList<>();
        for (int s; (s = bm.allocate(100)) >= 0 && bm.capacity(s) == 8192 - H; ) {
            taken.add(s);
        }
        assertTrue(taken.size() > 10);
        assertTrue(bm.capacity(bm.allocate(100)) > 8192 - H, "the 8 KiB list ran dry: a larger slice is handed out");
    }

    @Test
    void everySliceButTheLastOfEachListIsHandedOutOnceAndAllComeBack() throws IOException {
        BufferManager bm = create(1 << 20);
        Set<Integer> seen = new HashSet<>();
        for (int s; (s = bm.allocate(1)) >= 0; ) {
            assertTrue(seen.add(s), "slice " + s + " handed out twice");
        }
        assertEquals(bm.totalSlices() - 3, seen.size(), "shmipc-go keeps the last slice of every list");
        for (int s : seen) {
            bm.recycle(s);
        }
        assertEquals(bm.totalSlices(), bm.freeSlices());
        int again = 0;
        while (bm.allocate(1) >= 0) {
            again++;
        }
        assertEquals(seen.size(), again, "the lists are whole again after recycling");
    }

    @Test
    void aLargeMessageIsChainedLargestSlicesFirstAndTheWholeChainIsRecycled() throws IOException {
        BufferManager bm = create(32 << 20);
        int size = 1 << 20;
        int first = bm.allocateChain(size);
        assertTrue(first >= 0);
        assertEquals(bm.maxSliceSize(), bm.capacity(first));
        int remain = size;
        int slices = 0;
        for (int s = first; ; s = bm.next(s)) {
            assertEquals(bm.maxSliceSize(), bm.capacity(s), "128 KiB slices while they last");
            int n = Math.min(remain, bm.capacity(s));
            bm.setData(s, 0, n);
            remain -= n;
            slices++;
            if (!bm.hasNext(s)) {
                break;
            }
        }
        assertEquals(0, remain);
        assertEquals((size + bm.maxSliceSize() - 1) / bm.maxSliceSize(), slices);
        assertEquals(size, bm.checkChain(first));
        assertEquals(bm.totalSlices() - slices, bm.freeSlices());
        bm.recycleChain(first);
        assertEquals(bm.totalSlices(), bm.freeSlices());
    }

    @Test
    void aChainTheFreeSlicesCannotHoldTakesNothing() throws IOException {
        BufferManager bm = create(1 << 20);
        assertEquals(-1, bm.allocateChain(2 << 20));
        assertEquals(bm.totalSlices(), bm.freeSlices());
    }

    @Test
    void theCreatorAndThePeerShareTheFreeListsFromTwoThreadsWithoutHandingASliceOutTwice() throws Exception {
        BufferManager creator = create(2 << 20);
        BufferManager peer = mapped();
        Set<Integer> inUse = ConcurrentHashMap.newKeySet();
        int rounds = 50_000;
        CompletableFuture<?>[] sides = new CompletableFuture<?>[2];
        BufferManager[] managers = {creator, peer};
        for (int t = 0; t < 2; t++) {
            BufferManager bm = managers[t];
            int seed = t;
            sides[t] = CompletableFuture.runAsync(() -> {
                List<Integer> mine = new ArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    if (mine.size() < 40 && (i + seed) % 3 != 0) {
                        int s = bm.allocate(1 + (i % 3) * 10_000);
                        if (s >= 0) {
                            if (!inUse.add(s)) {
                                throw new AssertionError("slice " + s + " handed out twice");
                            }
                            mine.add(s);
                        }
                    } else if (!mine.isEmpty()) {
                        int s = mine.remove(mine.size() - 1);
                        inUse.remove(s);
                        bm.recycle(s);
                    }
                }
                for (int s : mine) {
                    inUse.remove(s);
                    bm.recycle(s);
                }
            });
        }
        CompletableFuture.allOf(sides).get(60, TimeUnit.SECONDS);
        assertEquals(creator.totalSlices(), creator.freeSlices());
        assertEquals(creator.totalSlices(), peer.freeSlices());
    }

    // ------------------------------------------------------------------ what a hostile or corrupt peer can write

    @Test
    void anOffsetThatIsNotTheStartOfASliceIsRefused() throws IOException {
        BufferManager bm = create(1 << 20);
        int s = bm.allocate(10);
        assertThrows(ShmipcException.class, () -> bm.checkChain(s + 4), "inside a slice");
        assertThrows(ShmipcException.class, () -> bm.checkChain(0), "the manager's header");
        assertThrows(ShmipcException.class, () -> bm.checkChain(Integer.MAX_VALUE - 3), "far beyond the mapping");
        assertThrows(ShmipcException.class, () -> bm.checkChain(-8), "negative");
        assertThrows(ShmipcException.class, () -> bm.recycleChain(bm.memory().size() + 64), "recycling beyond the mapping");
    }

    @Test
    void dataBeyondASlicesCapacityIsRefused() throws IOException {
        BufferManager bm = create(1 << 20);
        int s = bm.allocate(10);
        bm.setData(s, 0, bm.capacity(s) + 1);
        assertThrows(ShmipcException.class, () -> bm.checkChain(s));
        bm.setData(s, bm.capacity(s), 1);
        assertThrows(ShmipcException.class, () -> bm.checkChain(s));
        bm.setData(s, -1, 2); // start 0xFFFFFFFF: unsigned, far beyond
        assertThrows(ShmipcException.class, () -> bm.checkChain(s));
        bm.setData(s, 0, 10);
        bm.memory().putInt(s + CAP, 1 << 30); // the header lies about the capacity
        assertThrows(ShmipcException.class, () -> bm.checkChain(s));
    }

    @Test
    void aChainThatLoopsOrLeavesTheRegionIsRefused() throws IOException {
        BufferManager bm = create(1 << 20);
        int a = bm.allocate(10);
        int b = bm.allocate(10);
        bm.setData(a, 0, 10);
        bm.setData(b, 0, 10);
        bm.link(a, b);
        bm.link(b, a);
        assertThrows(ShmipcException.class, () -> bm.checkChain(a), "a loop is longer than the slices there are");
        assertThrows(ShmipcException.class, () -> bm.recycleChain(a));
        BufferManager fresh = mappedAfterReset();
        int c = fresh.allocate(10);
        fresh.setData(c, 0, 10);
        fresh.link(c, fresh.memory().size() - 4);
        assertThrows(ShmipcException.class, () -> fresh.checkChain(c));
    }

    private BufferManager mappedAfterReset() throws IOException {
        open.forEach(BufferManager::close);
        open.clear();
        Files.deleteIfExists(file);
        return create(1 << 20);
    }

    @Test
    void aCorruptFreeListHeadIsRefusedWhenAllocating() throws IOException {
        BufferManager bm = create(1 << 20);
        bm.memory().putInt(8 + 8, 12345); // the first list's head, not at a slice boundary
        assertThrows(ShmipcException.class, () -> bm.allocate(10));
        bm.memory().putInt(8 + 8, Integer.MIN_VALUE);
        assertThrows(ShmipcException.class, () -> bm.allocate(10));
    }

    @Test
    void aBufferFileWhoseListsDoNotFitItIsNotMapped() throws IOException {
        BufferManager bm = create(1 << 20);
        bm.memory().putInt(8 + 4, 1 << 24); // the first list claims 16 M slices
        assertThrows(ShmipcException.class, this::mapped);
        bm.memory().putInt(8 + 4, 10);
        bm.memory().putInt(8 + 16, 0); // slices of 0 bytes
        assertThrows(ShmipcException.class, this::mapped);
        bm.memory().putShort(0, (short) 0);
        assertThrows(ShmipcException.class, this::mapped);
        bm.memory().putShort(0, (short) 1000);
        assertThrows(ShmipcException.class, this::mapped);
    }

    @Test
    void theFreeListOfTheMappingSideLinksSlicesByTheirOffsetInTheList() throws IOException {
        BufferManager bm = create(1 << 20);
        int s = bm.allocate(10);
        int t = bm.allocate(10);
        bm.recycle(s);
        bm.recycle(t);
        // the list's tail is t, relative to the list's slice region, and s now links to it
        int region = 8 + 36;
        assertEquals(t - region, bm.memory().getInt(8 + 12));
        assertEquals(t - region, bm.memory().getInt(s + NEXT));
        assertEquals(1, bm.memory().getInt(s + FLAGS) & 1, "has-next");
        assertEquals(0, bm.memory().getInt(t + SIZE));
        assertEquals(0, bm.memory().getInt(t + START));
    }
}
