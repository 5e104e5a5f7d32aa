package io.skein.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.EndpointChannel;
import io.skein.transport.ServerOptions;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults over shared memory between real processes: a peer killed with SIGKILL mid-call (either side),
 * slices running out, a full tmpfs, and shutdown while calls are in flight.
 */
class ShmFaultsTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private final String name = "skein-faults-" + UUID.randomUUID().toString().substring(0, 8);
    private final String prefix = "/dev/shm/" + name;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private Path dir;

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("shm-faults");
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        for (Path p : files(Path.of("/dev/shm"), name)) {
            Files.deleteIfExists(p); // a test that failed must not litter /dev/shm
        }
        try (Stream<Path> left = Files.list(dir)) {
            for (Path p : left.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private ActorTestKit kit(String hocon) {
        ActorTestKit kit = ActorTestKit.create("ShmFaultsTest", Servers.config(
                "skein.shm.path-prefix = \"" + prefix + "\"\n" + hocon));
        closing.add(kit::shutdownTestKit);
        return kit;
    }

    private ShmServer server(ActorTestKit kit, Path socket, CompletableFuture<String> gate) {
        ShmServer server = Await.result(ShmServer.start(kit.system(), socket, TestServices.echo()
                .unary(ShmPeerMain.NEVER, (req, ctx) -> gate).build(), ServerOptions.DEFAULT), LIMIT);
        closing.add(() -> Await.result(server.shutdown(Duration.ZERO), LIMIT));
        return server;
    }

    private static CompletionStage<String> call(EndpointChannel channel, String method, String request,
                                                CallOptions options) {
        return channel.unary(TestServices.method(method, CallKind.UNARY), request, options);
    }

    private static List<Path> files(Path directory, String startsWith) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().startsWith(startsWith)).toList();
        }
    }

    private List<String> mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(name)).toList();
    }

    @Test
    void aServerKilledMidCallFailsTheCallWithUnavailableAndTheClientFreesItsMemory() throws Exception {
        Path socket = dir.resolve("server.sock");
        ShmPeerMain.Child child = ShmPeerMain.Child.start("server", socket.toString());
        closing.add(child);
        Await.until(child.limit(), () -> child.printed("ready"), () -> "child server: " + child.lines);
        ActorTestKit kit = kit("");
        EndpointChannel channel = ShmChannels.create(kit.system(), socket);
        closing.add(channel::close);
        assertEquals("warm", Await.result(call(channel, TestServices.ECHO, "warm", CallOptions.DEFAULT), LIMIT));
        CompletionStage<String> pending = call(channel, ShmPeerMain.NEVER, "mid-call", CallOptions.DEFAULT);
        Await.until(LIMIT, () -> child.printed("arrived mid-call"), () -> "child server: " + child.lines);
        assertFalse(files(Path.of("/dev/shm"), name).isEmpty() && mappings().isEmpty(), "a session is mapped");

        child.kill();

        assertEquals(StatusCode.UNAVAILABLE, TestServices.codeOf(Await.failure(pending, LIMIT)));
        Await.until(LIMIT, () -> {
            try {
                return files(Path.of("/dev/shm"), name).isEmpty() && mappings().isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, () -> "memory of the dead session still there");
    }

    @Test
    void aClientKilledMidCallEndsItsCallsOnTheServerWhichFreesTheSessionsMemoryAndServesOn() throws Exception {
        ActorTestKit kit = kit("");
        CompletableFuture<String> gate = new CompletableFuture<>();
        Path socket = dir.resolve("server.sock");
        ShmServer server = server(kit, socket, gate);
        String childName = name + "-child";
        ShmPeerMain.Child child = ShmPeerMain.Child.start("client", socket.toString(), "/dev/shm/" + childName);
        closing.add(child);
        Await.until(child.limit(), () -> Await.result(server.load(), LIMIT).activeCalls() == 1,
                () -> "the child's call; child: " + child.lines);
        assertTrue(server.mappedRegions() >= 1, "the child's sessions are mapped");
        // The child's pool opens two sessions and its call may ride the first ready one: wait until every
        // session it opened is past its handshake (the files unlinked after the server's acknowledgement).
        // A client killed between creating its files and that acknowledgement leaves them behind.
        Await.until(LIMIT, () -> {
            try {
                return files(Path.of("/dev/shm"), childName).isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, () -> "the child's sessions' handshakes; child: " + child.lines);

        child.kill();

        Await.until(LIMIT, () -> Await.result(server.load(), LIMIT).activeCalls() == 0
                && server.mappedRegions() == 0, () -> "the dead client's call and memory");
        assertEquals(List.of(), files(Path.of("/dev/shm"), childName), "the killed client's files");
        Await.until(LIMIT, () -> {
            try {
                return mappings().isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, () -> "mappings of the dead session");
        EndpointChannel channel = ShmChannels.create(kit.system(), socket);
        closing.add(channel::close);
        assertEquals("still", Await.result(call(channel, TestServices.ECHO, "still", CallOptions.DEFAULT), LIMIT));
    }

    @Test
    void callsStillSucceedOverTheSocketWhenSharedMemoryRunsOutAndTheSessionRecovers() {
        // 1 MiB of slices: a 2 MiB message can never fit, and 32 concurrent 200 KB calls exhaust it.
        ActorTestKit kit = kit("skein.shm.buffer-capacity = 1 MiB");
        ShmServer server = server(kit, dir.resolve("small.sock"), new CompletableFuture<>());
        EndpointChannel channel = ShmChannels.create(kit.system(), server.path());
        closing.add(channel::close);
        String huge = "h".repeat(2 << 20);
        assertEquals(huge, Await.result(call(channel, TestServices.ECHO, huge, CallOptions.DEFAULT), LIMIT));
        assertTrue(server.stats().fallback() > 0, () -> "the 2 MiB answer went over the socket: " + server.stats());
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            calls.add(call(channel, TestServices.ECHO, i + "b".repeat(200_000), CallOptions.DEFAULT).toCompletableFuture());
        }
        for (int i = 0; i < calls.size(); i++) {
            assertEquals(i + "b".repeat(200_000), Await.result(calls.get(i), LIMIT));
        }
        assertEquals("small", Await.result(call(channel, TestServices.ECHO, "small", CallOptions.DEFAULT), LIMIT));
        Await.until(LIMIT, () -> server.slices()[0] == server.slices()[1],
                () -> "free slices " + server.slices()[0] + " of " + server.slices()[1]);
    }

    @Test
    void aFullTmpfsFailsTheConnectionWithOneClearLineAndLeavesNoFile() throws Exception {
        Path tmpfs = dir.resolve("tiny-tmpfs");
        Files.createDirectories(tmpfs);
        boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tmpfs.toString());
        if (!mounted) {
            Assumptions.assumeFalse(!"true".equalsIgnoreCase(System.getenv("CI")),
                    "mounting a 1 MiB tmpfs needs root (CAP_SYS_ADMIN); skipped on this machine");
            throw new AssertionError("CI=true: could not mount a tmpfs to fill");
        }
        closing.add(() -> run("umount", tmpfs.toString()));
        ActorTestKit serverKit = kit("");
        ShmServer server = server(serverKit, dir.resolve("tmpfs.sock"), new CompletableFuture<>());
        ActorTestKit clientKit = ActorTestKit.create("ShmFaultsTestFull", Servers.config(
                "skein.shm { path-prefix = \"" + tmpfs.resolve("skein") + "\", buffer-capacity = 4 MiB }"));
        closing.add(clientKit::shutdownTestKit);
        EndpointChannel channel = ShmChannels.create(clientKit.system(), server.path());
        closing.add(channel::close);

        Throwable failure = Await.failure(call(channel, TestServices.ECHO, "x", CallOptions.DEFAULT), LIMIT);

        assertEquals(StatusCode.UNAVAILABLE, TestServices.codeOf(failure));
        assertFalse(failure.getMessage().contains("\n"), failure.getMessage());
        assertTrue(failure.getMessage().contains("cannot create shared memory under " + tmpfs.resolve("skein")),
                failure.getMessage());
        assertFalse(failure.getMessage().contains("Exception"), failure.getMessage());
        try (Stream<Path> left = Files.list(tmpfs)) {
            assertEquals(List.of(), left.toList(), "a failed reservation removes its file");
        }
        assertEquals("alive", Await.result(call(ShmChannels.create(serverKit.system(), server.path()),
                TestServices.ECHO, "alive", CallOptions.DEFAULT), LIMIT), "the JVM and the server live on");
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    @Test
    void shutdownLetsCallsInFlightFinishAndRefusesNewOnes() {
        ActorTestKit kit = kit("");
        CompletableFuture<String> gate = new CompletableFuture<>();
        Path socket = dir.resolve("drain.sock");
        ShmServer server = Await.result(ShmServer.start(kit.system(), socket, TestServices.echo()
                .unary(ShmPeerMain.NEVER, (req, ctx) -> gate).build(), ServerOptions.DEFAULT), LIMIT);
        EndpointChannel channel = ShmChannels.create(kit.system(), socket);
        closing.add(channel::close);
        CompletionStage<String> inFlight = call(channel, ShmPeerMain.NEVER, "x", CallOptions.DEFAULT);
        Await.until(LIMIT, () -> Await.result(server.load(), LIMIT).activeCalls() == 1);

        CompletionStage<org.apache.pekko.Done> stopped = server.shutdown(LIMIT);

        Await.until(LIMIT, () -> !Files.exists(socket), () -> "the socket file is removed first");
        Throwable refused = Await.failure(call(channel, TestServices.ECHO, "late", CallOptions.DEFAULT), LIMIT);
        assertEquals(StatusCode.UNAVAILABLE, TestServices.codeOf(refused));
        assertFalse(stopped.toCompletableFuture().isDone(), "a call is still in flight");
        gate.complete("finished");
        assertEquals("finished", Await.result(inFlight, LIMIT));
        Await.result(stopped, LIMIT);
        assertEquals(0, server.mappedRegions());
    }
}
