package io.skein.examples.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.examples.Main;
import io.skein.runtime.cli.ExitCodes;
import io.skein.examples.testing.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code interop-server} and {@code interop-client} as a user runs them, each in its own JVM, over a
 * real socket with {@code --transport skein}; and {@code call} resolving a service it has no compiled
 * classes for through the server's reflection. The last test stops the server with SIGTERM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InteropCliTest {

    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration RUN = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)");

    private static ChildJvm server;
    private static String port;

    @BeforeAll
    static void serve() {
        server = ChildJvm.start(Map.of("SKEIN_LOG_LEVEL", "INFO"),
                "interop-server", "--port", "0", "--host", "127.0.0.1");
        String line = server.awaitLine(l -> LISTENING.matcher(l).find(), START);
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.find());
        assertEquals("127.0.0.1", m.group(1), line);
        port = m.group(2);
    }

    @AfterAll
    static void killChildren() {
        ChildJvm.killAll();
    }

    @Test
    @Order(1)
    void everyCaseButCompressionPassesOverSkein() {
        ChildJvm client = ChildJvm.start("interop-client", "--server_host", "127.0.0.1", "--server_port", port,
                "--test_case", "all", "--use_tls=false", "--transport", "skein");
        assertEquals(0, client.awaitExit(RUN), client::toString);
        List<String> cases = InteropClient.CASES.stream()
                .filter(c -> !InteropClient.COMPRESSION_CASES.contains(c)).toList();
        List<String> out = client.stdout();
        assertEquals(cases.size(), out.size(), client::toString);
        for (int i = 0; i < out.size(); i++) {
            assertTrue(out.get(i).startsWith(cases.get(i) + ": PASSED"), client::toString);
        }
        assertTrue(client.stderr().lines().anyMatch(l -> l.startsWith("note: not running client_compressed_unary")),
                client::toString);
    }

    @Test
    @Order(2)
    void oneCaseWithEqualsFlags() {
        ChildJvm client = ChildJvm.start("interop-client", "--server_host=127.0.0.1", "--server_port=" + port,
                "--test_case=large_unary", "--transport=skein");
        assertEquals(0, client.awaitExit(RUN), client::toString);
        assertEquals(1, client.stdout().size(), client::toString);
        assertTrue(client.stdout().get(0).startsWith("large_unary: PASSED"), client::toString);
    }

    @Test
    @Order(3)
    void aFailingCaseExitsOneAndSaysWhatFailed() {
        int closed = closedPort();
        ChildJvm client = ChildJvm.start("interop-client", "--server_host", "127.0.0.1",
                "--server_port", Integer.toString(closed), "--test_case", "empty_unary", "--transport", "skein");
        assertEquals(1, client.awaitExit(RUN), client::toString);
        assertTrue(client.stderr().lines().anyMatch(l -> l.startsWith("FAILED empty_unary: EmptyCall failed: UNAVAILABLE")),
                client::toString);
    }

    @Test
    @Order(4)
    void defaultTransportIsGrpcOnTheSamePortAndRunsTheCompressionCasesToo() {
        ChildJvm client = ChildJvm.start("interop-client", "--server_host", "127.0.0.1", "--server_port", port,
                "--test_case", "all");
        assertEquals(0, client.awaitExit(RUN), client::toString);
        List<String> out = client.stdout();
        assertEquals(InteropClient.CASES.size(), out.size(), client::toString);
        for (int i = 0; i < out.size(); i++) {
            assertTrue(out.get(i).startsWith(InteropClient.CASES.get(i) + ": PASSED"), client::toString);
        }
    }

    @Test
    @Order(5)
    void usageErrorsExitWithTheUsageCodeInProcess() {
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"interop-client", "--test_case", "no_such_case", "--transport", "skein"}));
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"interop-client", "--use_tls=maybe"}));
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"interop-client", "--transport", "carrier-pigeon"}));
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"interop-client", "--no_such_flag", "1"}));
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"interop-client", "--test_case=client_compressed_unary",
                "--transport=skein"}));
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"interop-server", "--use_tls=true"}));
    }

    @Test
    @Order(6)
    void callUsesCompiledTestServiceDescriptors() {
        for (String scheme : List.of("skein", "grpc")) {
            ChildJvm call = ChildJvm.start("call", scheme + "://127.0.0.1:" + port, "grpc.testing.TestService/UnaryCall",
                    "{\"responseSize\":3}");
            assertEquals(0, call.awaitExit(RUN), call::toString);
            assertEquals(List.of("{\"payload\":{\"body\":\"AAAA\"}}"), call.stdout(), call::toString);
        }
        ChildJvm failing = ChildJvm.start("call", "grpc://127.0.0.1:" + port, "grpc.testing.TestService/UnaryCall",
                "{\"responseStatus\":{\"code\":9,\"message\":\"no way\"}}");
        assertEquals(9, failing.awaitExit(RUN), failing::toString);
        assertTrue(failing.toString().contains("ERROR FAILED_PRECONDITION: no way"), failing::toString);
    }

    @Test
    @Order(7)
    void callResolvesAServiceItHasNoClassesForThroughReflection() {
        // The CLI compiles in Echo and TestService only; the reflection service itself is learnt from
        // the server's reflection, then called with dynamic messages.
        ChildJvm call = ChildJvm.start("call", "grpc://127.0.0.1:" + port,
                "grpc.reflection.v1.ServerReflection/ServerReflectionInfo");
        call.writeStdinAndClose("{\"listServices\":\"\"}\n{\"fileContainingSymbol\":\"no.such.Thing\"}\n");
        assertEquals(0, call.awaitExit(RUN), call::toString);
        List<String> out = call.stdout();
        assertEquals(2, out.size(), call::toString);
        assertTrue(out.get(0).contains("{\"name\":\"skein.examples.echo.Echo\"}"), call::toString);
        assertTrue(out.get(0).contains("{\"name\":\"grpc.testing.TestService\"}"), call::toString);
        assertTrue(out.get(0).contains("{\"name\":\"grpc.reflection.v1alpha.ServerReflection\"}"), call::toString);
        assertTrue(out.get(1).contains("\"errorResponse\":{\"errorCode\":5"), call::toString);
    }

    @Test
    @Order(8)
    void aCompressionCaseRunsByNameOverGrpc() {
        ChildJvm client = ChildJvm.start("interop-client", "--server_host=127.0.0.1", "--server_port=" + port,
                "--test_case=client_compressed_streaming");
        assertEquals(0, client.awaitExit(RUN), client::toString);
        assertEquals(1, client.stdout().size(), client::toString);
        assertTrue(client.stdout().get(0).startsWith("client_compressed_streaming: PASSED"), client::toString);
    }

    @Test
    @Order(100)
    void sigtermStopsTheServerGracefully() {
        assertTrue(server.process().isAlive(), "the server died early: " + server);
        server.process().destroy(); // SIGTERM
        int exit = server.awaitExit(Duration.ofSeconds(20));
        assertTrue(exit == 0 || exit == 143, "exit code " + exit + "; " + server);
        assertTrue(server.stderr().contains("draining"), "no graceful drain in the server's log: " + server);
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
