package io.skein.transport.internal.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.local.LocalChannel;
import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerQueueStats;
import io.skein.transport.TransportSettings;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerQueues} on its own: the calls queued for a service never exceed the bound however many
 * threads enter and leave at once, a call leaves exactly once (started or ended waiting), and a busy event
 * loop refuses new calls while its backlog is over the bound.
 */
class ServerQueuesTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String HOLD = "test.Held/Hold";
    private static final String OTHER = "test.Held/Other";
    private static final String ECHO = TestServices.ECHO;

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final Channel channel = new LocalChannel();
    private final Connection connection = new Connection(channel, null, Integer.MAX_VALUE) {
        @Override
        public String protocol() {
            return "test";
        }

        @Override
        public void sendGoAway(String reason) {
        }
    };

    @AfterEach
    void stop() throws Exception {
        if (channel.isRegistered()) {
            channel.close().sync();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static ServerQueues queues(int perService, int backlog) {
        MethodRegistry registry = TestServices.echo()
                .unary(HOLD, (r, c) -> null)
                .unary(OTHER, (r, c) -> null)
                .build();
        return new ServerQueues(registry, new TransportSettings.ServerQueues(perService, 1 << 20, backlog));
    }

    private void register() throws InterruptedException {
        loop.register(channel).sync();
    }

    private static CallContext context(String method) {
        return new CallContext(method, io.skein.protocols.Metadata.EMPTY, 0, null);
    }

    @Test
    void aServiceQueueRefusesPastItsBoundAndEveryCallLeavesItOnce() throws Exception {
        register();
        ServerQueues queues = queues(3, 10_000);
        List<CallContext> waiting = new ArrayList<>();
        for (String method : List.of(HOLD, OTHER, HOLD)) { // two methods, one service: one queue
            assertNull(queues.enter(method, connection));
            CallContext c = context(method);
            c.onQueueExit(queues.exit(method, null));
            waiting.add(c);
        }
        Status refused = queues.enter(HOLD, connection);
        assertNotNull(refused);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, refused.code());
        assertTrue(refused.message().contains("test.Held"), refused.message());
        assertNull(queues.enter(ECHO, connection), "another service has a queue of its own");
        queues.abandon(ECHO);

        assertTrue(waiting.get(0).markStarted());
        assertTrue(!waiting.get(0).markStarted(), "started once");
        waiting.get(0).terminate(Status.OK); // ended after it started: it left the queue when it started
        assertTrue(waiting.get(1).terminate(Status.of(StatusCode.DEADLINE_EXCEEDED, "expired while waiting")));
        assertTrue(!waiting.get(1).markStarted(), "a call that ended waiting never starts");
        ServerQueueStats.Service held = queues.stats().service("test.Held");
        assertEquals(1, held.queued());
        assertEquals(3, held.peak());
        assertEquals(3, held.bound());
        assertEquals(1, held.refused());
        assertNull(queues.enter(HOLD, connection), "room again");
    }

    @Test
    void theBoundHoldsWithManyThreadsEnteringAndLeavingAtOnce() throws Exception {
        register();
        ServerQueues queues = queues(8, 10_000);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        AtomicLong admitted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                all.add(threads.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        if (queues.enter(HOLD, connection) != null) {
                            refused.incrementAndGet();
                            continue;
                        }
                        admitted.incrementAndGet();
                        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        CallContext c = context(HOLD);
                        c.onQueueExit(queues.exit(HOLD, null));
                        inside.decrementAndGet();
                        if (i % 2 == 0) {
                            c.markStarted();
                        } else {
                            c.terminate(Status.of(StatusCode.CANCELLED, "gone"));
                        }
                    }
                }));
            }
            for (Future<?> f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        ServerQueueStats.Service held = queues.stats().service("test.Held");
        assertEquals(160_000, admitted.get() + refused.get());
        assertEquals(refused.get(), held.refused());
        assertEquals(0, held.queued(), "every call left exactly once");
        assertTrue(held.peak() <= 8, "peak " + held.peak());
        assertTrue(mostInside.get() <= 8, "most inside " + mostInside.get());
    }

    @Test
    void aBusyEventLoopRefusesNewCallsUntilItsBacklogIsWorkedOff() throws Exception {
        register();
        ServerQueues queues = queues(100, 50);
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            blocked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 60; i++) {
            loop.execute(() -> { });
        }
        Status refused = queues.enter(HOLD, connection);
        assertNotNull(refused);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, refused.code());
        assertTrue(refused.message().contains("I/O thread"), refused.message());
        assertEquals(1, queues.stats().eventLoop().refused());
        assertTrue(queues.stats().eventLoop().peak() >= 60, "backlog seen: " + queues.stats().eventLoop());
        assertEquals(0, queues.stats().service("test.Held").queued(), "a refused call takes no place");
        release.countDown();
        Await.until(LIMIT, () -> loop.pendingTasks() == 0);
        assertNull(queues.enter(HOLD, connection));
    }
}
