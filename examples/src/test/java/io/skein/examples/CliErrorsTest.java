package io.skein.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.examples.testing.ChildJvm;
import io.skein.runtime.cli.ExitCodes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line explains itself: every command answers {@code --help}, and every setup error ends
 * with one clear line on stderr and its documented exit code, never a stack trace. Each case runs the
 * real CLI in a child JVM.
 */
class CliErrorsTest {

    private static final Duration EXIT = Duration.ofSeconds(60);
    private static final String SAY = "skein.examples.echo.Echo/Say";

    /** Runs the CLI, asserts its exit code and that stderr is exactly one ERROR line; returns that line. */
    private static String fails(int expected, String... args) {
        try (ChildJvm child = ChildJvm.start(Map.of(), args)) {
            int exit = child.awaitExit(EXIT);
            List<String> lines = child.stderr().lines().filter(l -> !l.isBlank()).toList();
            assertEquals(expected, exit, child::toString);
            assertEquals(1, lines.size(), child::toString);
            String line = lines.get(0);
            assertTrue(line.startsWith("ERROR"), child::toString);
            assertFalse(line.contains("Exception") || line.contains("\tat "), child::toString);
            assertTrue(child.stdout().isEmpty(), child::toString);
            return line;
        }
    }

    private static Path file(Path dir, String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void everyCommandAnswersHelpOnStdoutAndExitsZero() {
        for (String command : List.of("serve", "call", "members", "demo", "bench", "interop-server", "interop-client")) {
            try (ChildJvm child = ChildJvm.start(Map.of(), command, "--help")) {
                assertEquals(0, child.awaitExit(EXIT), child::toString);
                assertTrue(child.stdout().stream().anyMatch(l -> l.trim().startsWith(command)), child::toString);
                assertTrue(child.stdout().stream().anyMatch(l -> l.startsWith("exit codes:")), child::toString);
                assertTrue(child.stderr().isBlank(), child::toString);
            }
        }
    }

    @Test
    void configurationErrorsExitWithTheConfigCode(@TempDir Path dir) throws IOException {
        assertTrue(fails(ExitCodes.CONFIG, "serve", "--config", dir.resolve("missing.conf").toString())
                .contains("missing.conf"));
        String syntax = fails(ExitCodes.CONFIG, "serve", "--config", file(dir, "broken.conf", "skein.server {\n port = \n").toString());
        assertTrue(syntax.startsWith("ERROR: configuration: ") && syntax.contains("broken.conf"), syntax);
        String type = fails(ExitCodes.CONFIG, "serve", "--config", file(dir, "typed.conf", "skein.server.port = eighty\n").toString());
        assertTrue(type.contains("port"), type);
    }

    @Test
    void aPortInUseAndAnUnresolvableHostExitWithTheUnavailableCode() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String line = fails(ExitCodes.UNAVAILABLE, "serve", "--host", "127.0.0.1", "--port",
                    Integer.toString(taken.getLocalPort()));
            assertTrue(line.contains("address already in use"), line);
        }
        assertTrue(fails(ExitCodes.UNAVAILABLE, "serve", "--host", "no-such-host.invalid", "--port", "0")
                .contains("no-such-host.invalid"));
    }

    @Test
    void aClusteredNodeWhoseManagementPortIsInUseExitsWithTheUnavailableCode(@TempDir Path dir) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = file(dir, "clustered.conf", String.join("\n",
                    "skein.server { host = \"127.0.0.1\", port = 0 }",
                    "skein.cluster { enabled = on, join = self }",
                    "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = 0 }",
                    "pekko.management.http { hostname = \"127.0.0.1\", port = " + taken.getLocalPort() + " }"));
            String line = fails(ExitCodes.UNAVAILABLE, "serve", "--config", config.toString());
            assertTrue(line.contains("address already in use") && line.contains("pekko.management.http.port"), line);
        }
    }

    @Test
    void membersOfAClusterThatIsNotRunningExitsWithUnavailable(@TempDir Path dir) throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Path config = file(dir, "down.conf", String.join("\n",
                "pekko.management.cluster.bootstrap.contact-point-discovery { service-name = down, discovery-method = config }",
                "pekko.discovery.config.services.down.endpoints = [ { host = \"127.0.0.1\", port = " + closed + " } ]"));
        String line = fails(14, "members", "--config", config.toString());
        assertTrue(line.startsWith("ERROR UNAVAILABLE: ") && line.contains("127.0.0.1:" + closed), line);
    }

    @Test
    void usageErrorsExitWithTheUsageCode() {
        assertTrue(fails(ExitCodes.USAGE, "no-such-command").contains("no-such-command"));
        assertTrue(fails(ExitCodes.USAGE, "call", "skein://127.0.0.1:1").contains("package.Service/Method"));
        assertTrue(fails(ExitCodes.USAGE, "call", "127.0.0.1:8080", SAY, "{}").contains("skein://127.0.0.1:8080"));
        assertTrue(fails(ExitCodes.USAGE, "call", "skein://127.0.0.1:1", SAY, "{}", "--timeout", "-5")
                .contains("positive"));
        assertTrue(fails(ExitCodes.USAGE, "call", "skein://127.0.0.1:1", SAY, "{}", "--timeout", "soon")
                .contains("needs a number"));
        assertTrue(fails(ExitCodes.USAGE, "call", "skein://127.0.0.1:1", SAY).contains("JSON"));
        assertTrue(fails(ExitCodes.USAGE, "members").contains("--config"));
        assertTrue(fails(ExitCodes.USAGE, "serve", "--port").contains("--port"));
    }
}
