package io.skein.shm.ipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.skein.testing.GoPrograms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Wire compatibility with shmipc-go v0.2.0, both ways, against a real Go process: {@code interop/shmipc}
 * ({@code shmipc-peer}), built here with {@code go build}. Needs Go on the PATH and the Go module proxy
 * for the first build; skipped without Go on a developer's machine, required under {@code CI=true}.
 * Run alone with {@code mvn -B -pl shm-transport -am verify -Dtest=ShmipcGoInteropTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ShmipcGoInteropTest {

    private static Path peer;

    private ShmTestSupport support;
    private ServerMemory serverMemory;
    private Channel server;
    private final List<StreamListeners.Echo> echoes = new CopyOnWriteArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void build() throws Exception {
        peer = GoPrograms.build("ShmipcGoInteropTest", GoPrograms.module("shmipc"),
                Path.of("target", "shmipc-interop", "shmipc-peer"));
    }

    @BeforeEach
    void start() throws Exception {
        support = new ShmTestSupport();
        serverMemory = new ServerMemory(1 << 30);
        server = support.server(support.socket("java"), support.config(), serverMemory, () -> {
            StreamListeners.Echo e = new StreamListeners.Echo();
            echoes.add(e);
            return e;
        });
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        server.close().sync();
        support.close();
    }

    @AfterAll
    static void noGoFilesLeft() {
        // each test checks its own prefix; nothing to do globally
    }

    private Process run(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(peer.toAbsolutePath().toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    /** Reads the process's output until a line starting with {@code marker} (returned) or the process ends (null). */
    private static String awaitLine(Process p, String marker, List<String> seen) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            seen.add(line);
            if (line.startsWith(marker)) {
                return line;
            }
        }
        return null;
    }

    private String goPrefix() {
        return support.prefix + "-go";
    }

    private List<Path> goLeftovers() throws IOException {
        String name = Path.of(goPrefix()).getFileName().toString();
        try (var files = Files.list(Path.of("/dev/shm"))) {
            return files.filter(f -> f.getFileName().toString().startsWith(name)).toList();
        }
    }

    @Test
    void aGoClientExchangesMessagesOfEverySizeWithAJavaServer() throws Exception {
        Process go = run("client", "--uds", support.socket("java").toString(), "--prefix", goPrefix(),
                "--sizes", "1,64,1024,16384,65536,1048576", "--rounds", "3");
        List<String> out = new ArrayList<>();
        assertEquals("done", awaitLine(go, "done", out), () -> "Go client output: " + out);
        assertTrue(go.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, go.exitValue(), () -> "Go client output: " + out);
        assertEquals(6, out.stream().filter(l -> l.startsWith("ok size=")).count(), out::toString);
        assertEquals(0, echoes.get(0).fallbacks.get(), "everything went through shared memory");
        ShmTestSupport.eventually(() -> goLeftovers().isEmpty() && serverMemory.mapped() == 0);
    }

    @Test
    void aGoClientWhoseSlicesRunOutFallsBackToTheSocketAndStillGetsItsEcho() throws Exception {
        Process go = run("client", "--uds", support.socket("java").toString(), "--prefix", goPrefix(),
                "--buffer", String.valueOf(1 << 20), "--sizes", String.valueOf(2 << 20), "--rounds", "1");
        // One round: after a fallback shmipc-go marks its session unhealthy and refuses new streams for 30 s.
        List<String> out = new ArrayList<>();
        assertEquals("done", awaitLine(go, "done", out), () -> "Go client output: " + out);
        assertTrue(echoes.get(0).fallbacks.get() >= 1, "the 2 MiB messages came over the socket");
        ShmTestSupport.eventually(() -> goLeftovers().isEmpty());
    }

    @Test
    void aGoClientOfferingMemfdIsRefusedAndTheServerServesOn() throws Exception {
        Process memfd = run("client", "--uds", support.socket("java").toString(), "--prefix", goPrefix() + "-memfd",
                "--memfd", "--sizes", "64");
        List<String> out = new ArrayList<>();
        assertEquals(null, awaitLine(memfd, "done", out));
        assertTrue(memfd.waitFor(20, TimeUnit.SECONDS));
        assertNotEquals(0, memfd.exitValue(), () -> "memfd client output: " + out);
        Process go = run("client", "--uds", support.socket("java").toString(), "--prefix", goPrefix(), "--sizes", "64");
        assertEquals("done", awaitLine(go, "done", new ArrayList<>()));
    }

    @Test
    void aJavaServerFreesAKilledGoClientsMemoryAndLeavesNoFile() throws Exception {
        Process go = run("client", "--uds", support.socket("java").toString(), "--prefix", goPrefix(),
                "--sizes", "1024", "--hold");
        List<String> out = new ArrayList<>();
        assertEquals("holding", awaitLine(go, "holding", out), out::toString);
        assertEquals(1, serverMemory.mapped());
        go.destroyForcibly(); // SIGKILL
        echoes.get(0).closed.get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS);
        ShmTestSupport.eventually(() -> goLeftovers().isEmpty() && serverMemory.mapped() == 0
                && mappingsOf(goPrefix()).isEmpty());
    }

    @ParameterizedTest(name = "protocol version {0}")
    @ValueSource(ints = {2, 3})
    void aJavaClientExchangesMessagesOfEverySizeWithAGoServer(int version) throws Exception {
        Path socket = support.socket("go-" + version);
        Process go = run("server", "--uds", socket.toString());
        assertTrue(awaitLine(go, "listening on", new ArrayList<>()) != null);
        StreamListeners.Collector client = new StreamListeners.Collector();
        ShmipcSession session = support.client(socket, support.config().withProtocolVersion(version), client);
        client.ready.get(10, TimeUnit.SECONDS);
        assertEquals(version, session.version());
        int[] sizes = {1, 64, 1024, 16384, 65536, 1 << 20};
        for (int i = 0; i < sizes.length; i++) {
            int stream = 3 + 2 * i;
            int n = i;
            session.channel().eventLoop().submit(() -> {
                session.sendCopy(stream, StreamListeners.message(sizes[n], n));
                session.flush();
            }).get(5, TimeUnit.SECONDS);
        }
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(StreamListeners.pattern(sizes[i], i),
                    client.expect(3 + 2 * i).get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS), "size " + sizes[i]);
        }
        assertEquals(0, client.fallbacks.get());
        session.channel().eventLoop().submit(() -> {
            for (int i = 0; i < sizes.length; i++) {
                session.sendStreamClose(3 + 2 * i);
            }
            session.flush();
        }).get(5, TimeUnit.SECONDS);
        go.destroyForcibly(); // SIGKILL the server: the session ends and this side frees its memory
        client.closed.get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS);
        ShmTestSupport.eventually(() -> support.leftovers().isEmpty() && support.mappings().isEmpty());
    }

    @Test
    void aGoClientPutsItsDataWithoutWakingAJavaServerThatPollsItsQueue() throws Exception {
        // A poll window longer than the test: once woken, the Java server holds its working flag throughout.
        Path socket = support.socket("java-polling");
        StreamListeners.Echo echo = new StreamListeners.Echo();
        Channel polling = support.server(socket, support.config().withPollWindow(Duration.ofMinutes(1)), serverMemory,
                () -> echo);
        try {
            Process go = run("client", "--uds", socket.toString(), "--prefix", goPrefix(),
                    "--sizes", "64,1024,16384,65536", "--rounds", "5");
            List<String> out = new ArrayList<>();
            assertEquals("done", awaitLine(go, "done", out), () -> "Go client output: " + out);
            assertEquals(4, out.stream().filter(l -> l.startsWith("ok size=")).count(), out::toString);
            assertEquals(1, echo.session.wakeupsReceived(),
                    "shmipc-go woke the server for its first message only: it saw the flag held for the other 19");
            assertEquals(0, echo.fallbacks.get());
        } finally {
            polling.close().sync();
        }
    }

    @Test
    void aGoServerAnswersWithoutWakingAJavaClientThatPollsItsQueue() throws Exception {
        Path socket = support.socket("go-polled");
        Process go = run("server", "--uds", socket.toString());
        assertTrue(awaitLine(go, "listening on", new ArrayList<>()) != null);
        StreamListeners.Collector client = new StreamListeners.Collector();
        ShmipcSession session = support.client(socket, support.config().withPollWindow(Duration.ofMinutes(1)), client);
        client.ready.get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
            int stream = 3 + 2 * i;
            int size = i % 2 == 0 ? 1024 : 65536;
            int n = i;
            session.channel().eventLoop().submit(() -> {
                session.sendCopy(stream, StreamListeners.message(size, n));
                session.flush();
            }).get(5, TimeUnit.SECONDS);
            assertArrayEquals(StreamListeners.pattern(size, i),
                    client.expect(stream).get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS), "message " + i);
        }
        assertEquals(0, session.wakeupsReceived(), "shmipc-go saw the Java client's flag held and sent no Polling");
        assertEquals(0, client.fallbacks.get());
        go.destroyForcibly();
        client.closed.get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS);
        ShmTestSupport.eventually(() -> support.leftovers().isEmpty() && support.mappings().isEmpty());
    }

    private static List<String> mappingsOf(String prefix) throws IOException {
        String name = Path.of(prefix).getFileName().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(name)).toList();
    }
}
