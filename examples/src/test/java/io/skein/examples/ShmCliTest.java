package io.skein.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.examples.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The CLI over shared memory, each command in its own JVM: {@code serve --shm}, {@code call shm://}, {@code bench --target shm://}. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShmCliTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static ChildJvm server;
    private static Path dir;
    private static Path socket;
    private static String target;

    @BeforeAll
    static void serve() throws IOException {
        dir = Files.createTempDirectory("shm-cli");
        socket = dir.resolve("echo.sock");
        server = ChildJvm.start(Map.of("SKEIN_LOG_LEVEL", "INFO"),
                "serve", "--port", "0", "--host", "127.0.0.1", "--shm", socket.toString());
        String line = server.awaitLine(l -> l.startsWith("listening on shm://"), LIMIT);
        target = line.substring("listening on ".length());
        assertEquals("shm://" + socket, target);
    }

    @AfterAll
    static void stop() throws IOException {
        ChildJvm.killAll();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    @Test
    @Order(1)
    void callOverSharedMemoryPrintsTheReplies() {
        ChildJvm call = ChildJvm.start("call", target, "skein.examples.echo.Echo/Say", "{\"message\":\"over shm\"}");
        assertEquals(0, call.awaitExit(LIMIT), call::toString);
        assertEquals(1, call.stdout().size(), call::toString);
        assertTrue(call.stdout().get(0).contains("\"message\":\"over shm\""), call::toString);
        ChildJvm stream = ChildJvm.start("call", target, "skein.examples.echo.Echo/Repeat", "{\"message\":\"r\",\"count\":3}");
        assertEquals(0, stream.awaitExit(LIMIT), stream::toString);
        assertEquals(3, stream.stdout().size(), stream::toString);
    }

    @Test
    @Order(2)
    void benchRunsAgainstASharedMemoryTarget() {
        ChildJvm bench = ChildJvm.start("bench", "--target", target, "--payload", "16384", "--concurrency", "4",
                "--duration", "1", "--warmup", "0", "--json");
        assertEquals(0, bench.awaitExit(LIMIT), bench::toString);
        List<String> out = bench.stdout();
        assertEquals(1, out.size(), bench::toString);
        assertTrue(out.get(0).contains("\"target\":\"" + target + "\""), out::toString);
        assertTrue(out.get(0).contains("\"errors\":{}"), out::toString);
        assertFalse(out.get(0).contains("\"calls\":0,"), out::toString);
    }

    @Test
    @Order(3)
    void aPathNobodyServesIsOneUnavailableLine() {
        ChildJvm call = ChildJvm.start("call", "shm://" + dir.resolve("nobody.sock"), "skein.examples.echo.Echo/Say", "{}");
        assertEquals(14, call.awaitExit(LIMIT), call::toString);
        assertTrue(call.stdout().isEmpty(), call::toString);
        assertTrue(call.stderr().lines().anyMatch(l -> l.startsWith("ERROR UNAVAILABLE: ") && l.contains("nobody.sock")
                && l.endsWith("no shared-memory server: the socket file does not exist")),
                call::toString);
        assertFalse(call.stderr().contains("\tat "), () -> "a stack trace: " + call);
    }

    @Test
    @Order(100)
    void sigtermDrainsAndRemovesTheSocket() {
        server.process().destroy(); // SIGTERM
        int exit = server.awaitExit(Duration.ofSeconds(30));
        assertTrue(exit == 0 || exit == 143, "exit code " + exit + "; " + server);
        assertFalse(Files.exists(socket), "the socket file is removed at shutdown; " + server);
    }
}
