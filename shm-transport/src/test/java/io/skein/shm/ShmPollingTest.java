package io.skein.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.unix.DomainSocketAddress;
import io.skein.protocols.CallKind;
import io.skein.shm.internal.ShmClientProtocol;
import io.skein.shm.internal.ShmEventLoops;
import io.skein.shm.ipc.PollingIoHandler;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.EndpointChannel;
import io.skein.transport.ServerOptions;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Polling instead of waking up ({@code skein.shm.polling}): a session that just sent or received data
 * holds its receive queue's working flag and its event loop polls the queue, so the peer writes no
 * wake-up on the socket; once the window has passed the flag is cleared and the loop stops polling.
 * Invariants only (wake-ups counted, sessions polled), never speeds.
 */
class ShmPollingTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    /** Answers with how many sessions the server's event loop polls while it handles the call. */
    private static final String PROBE = "test.Poll/Probe";

    private ActorTestKit testKit;
    private ShmServer server;
    private EndpointChannel channel;
    private ShmClientProtocol client;
    private Path dir;

    /** A server and a channel in one actor system whose {@code skein.shm.polling} block is {@code polling}. */
    private void start(String polling) throws Exception {
        dir = Files.createTempDirectory("shm-poll");
        String prefix = "skein-poll-" + UUID.randomUUID().toString().substring(0, 8);
        testKit = ActorTestKit.create("ShmPollingTest", Servers.config(
                "skein.client.connections-per-endpoint = 1\n"
                + "skein.shm { path-prefix = \"/dev/shm/" + prefix + "\", buffer-capacity = 4 MiB, queue-capacity = 256,"
                + " polling { " + polling + " } }"));
        server = Await.result(ShmServer.start(testKit.system(), dir.resolve("poll.sock"), TestServices.echo()
                .unary(PROBE, (req, ctx) -> CompletableFuture.completedFuture(String.valueOf(polledHere())))
                .build(), ServerOptions.DEFAULT), LIMIT);
        NettyResources resources = NettyResources.get(testKit.system());
        client = new ShmClientProtocol(ShmSettings.fromConfig(testKit.system().settings().config(), resources.settings()));
        channel = EndpointChannel.of(testKit.system(), new DomainSocketAddress(server.path().toFile()), client);
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.close();
        }
        if (server != null) {
            Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        }
        if (testKit != null) {
            testKit.shutdownTestKit();
        }
        if (dir != null) {
            Files.deleteIfExists(dir);
        }
    }

    /** Sessions polled by the calling event loop's handler (-1 off an event loop that polls). */
    private static int polledHere() {
        PollingIoHandler poller = PollingIoHandler.current();
        return poller == null ? -1 : poller.polledSessions();
    }

    private String call(String method, String request, CallOptions options) {
        return Await.result(channel.unary(TestServices.method(method, CallKind.UNARY), request, options), LIMIT);
    }

    private boolean polledNowhere() {
        try {
            return polledEverywhere() == 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sum of {@code what} over the system's shared-memory event loops (asked on each loop). */
    private long loops(java.util.function.ToLongFunction<PollingIoHandler> what) throws Exception {
        long total = 0;
        for (var executor : ShmEventLoops.get(testKit.system()).group()) {
            total += ((EventLoop) executor).submit(() -> what.applyAsLong(PollingIoHandler.current()))
                    .get(LIMIT.toSeconds(), TimeUnit.SECONDS);
        }
        return total;
    }

    /** Sessions polled right now, over every shared-memory event loop of the system (asked on each loop). */
    private long polledEverywhere() throws Exception {
        return loops(PollingIoHandler::polledSessions);
    }

    @Test
    void callsWithinThePollWindowWakeNeitherSideOverTheSocketAndClosingEndsPolling() throws Exception {
        // A window longer than the test, and no back-off however busy the machine: both sessions poll throughout.
        start("window = 1 minute, stall = 1 hour");
        List<Integer> polledAtAnswer = new CopyOnWriteArrayList<>();
        // Completes each call on the client's event loop, noting what it polls when the answer arrives.
        Executor probe = task -> {
            polledAtAnswer.add(polledHere());
            task.run();
        };
        CallOptions options = CallOptions.DEFAULT.withExecutor(probe);
        for (int i = 0; i < 200; i++) {
            assertEquals("m" + i, call(TestServices.ECHO, "m" + i, options));
        }
        assertEquals(0, server.stats().wakeups(), () -> "the client polled for every answer: " + server.stats());
        assertEquals(1, client.stats().wakeups(), () -> "only the first request woke the server: " + client.stats());
        assertEquals(200, polledAtAnswer.size());
        assertTrue(polledAtAnswer.stream().allMatch(n -> n >= 1), () -> "polled at each answer: " + polledAtAnswer);
        call(TestServices.ECHO, "warm", CallOptions.DEFAULT);
        assertTrue(Integer.parseInt(call(PROBE, "", CallOptions.DEFAULT)) >= 1, "the server polls as it handles calls");
        assertEquals(0, server.stats().wakeups());
        // Closing ends polling at once, window or not: neither loop polls a closed session.
        channel.close();
        channel = null;
        Await.until(LIMIT, this::polledNowhere);
    }

    @Test
    void anIdleSessionStopsPollingAndItsPeerWakesItOverTheSocketAgain() throws Exception {
        start("window = 20ms");
        for (int i = 0; i < 20; i++) {
            assertEquals("m" + i, call(TestServices.ECHO, "m" + i, CallOptions.DEFAULT));
        }
        // Idle: both sessions give their flags up and no loop polls any more (it blocks in epoll instead).
        Await.until(LIMIT, this::polledNowhere);
        long clientWakeups = client.stats().wakeups();
        long serverWakeups = server.stats().wakeups();
        assertEquals("again", call(TestServices.ECHO, "again", CallOptions.DEFAULT));
        assertTrue(client.stats().wakeups() > clientWakeups, "the idle server's flag was clear: the request woke it");
        assertTrue(server.stats().wakeups() >= serverWakeups);
        Await.until(LIMIT, this::polledNowhere);
    }

    @Test
    void aLoopThatStallsWhilePollingBacksOffToWakeUpsAndCallsGoOn() throws Exception {
        // Every idle poll counts as a stall and no stall is tolerated: the first one turns polling off.
        start("window = 1 minute, stall = 0s, stalled-percent = 0, back-off = 1 minute");
        for (int i = 0; i < 50; i++) {
            assertEquals("m" + i, call(TestServices.ECHO, "m" + i, CallOptions.DEFAULT));
        }
        assertTrue(loops(PollingIoHandler::backOffs) >= 1, "a loop backed off");
        Await.until(LIMIT, this::polledNowhere);
        assertEquals("0", call(PROBE, "", CallOptions.DEFAULT), "the server's loop polls nothing while it backs off");
        long serverWakeups = server.stats().wakeups();
        long clientWakeups = client.stats().wakeups();
        for (int i = 0; i < 20; i++) {
            assertEquals("n" + i, call(TestServices.ECHO, "n" + i, CallOptions.DEFAULT));
        }
        assertEquals(0, polledEverywhere());
        // Nobody polls, so each request wakes the server and each answer wakes the caller over the socket.
        assertTrue(client.stats().wakeups() - clientWakeups >= 1, client.stats()::toString);
        assertTrue(server.stats().wakeups() - serverWakeups >= 1, server.stats()::toString);
    }

    @Test
    void withPollingOffNoLoopPollsAndEveryAnswerIsAnnouncedBySocket() throws Exception {
        start("window = 0s");
        List<Integer> polledAtAnswer = new CopyOnWriteArrayList<>();
        Executor probe = task -> {
            polledAtAnswer.add(polledHere());
            task.run();
        };
        for (int i = 0; i < 50; i++) {
            assertEquals("m" + i, call(TestServices.ECHO, "m" + i, CallOptions.DEFAULT.withExecutor(probe)));
            assertEquals("0", call(PROBE, "", CallOptions.DEFAULT));
        }
        assertTrue(polledAtAnswer.stream().allMatch(n -> n == 0), () -> "never polled: " + polledAtAnswer);
        // Nobody holds a flag for polling, so an answer to an idle client must wake it.
        assertTrue(server.stats().wakeups() >= 1, server.stats()::toString);
        assertTrue(client.stats().wakeups() >= 1, client.stats()::toString);
    }
}
