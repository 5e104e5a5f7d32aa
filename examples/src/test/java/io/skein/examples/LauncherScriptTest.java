package io.skein.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.examples.echo.EchoService;
import io.skein.examples.testing.ChildJvm;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.cli.ExitCodes;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/bin/skein}, the launcher with a fast start, run by {@code sh} as a user runs it: the
 * output and exit codes are the command line's own, the class-data archive is recorded once (by a
 * {@code self-test} run), reused, recorded again after the jar changed, and a broken archive neither
 * breaks the command nor shows on its output. The jar here is a manifest-only stand-in for
 * {@code skein.jar} (which the build assembles after the tests) whose {@code Class-Path} is this test's
 * class path.
 */
class LauncherScriptTest {

    private static final Duration RUN = Duration.ofMinutes(2);
    private static final String SAY = "skein.examples.echo.Echo/Say";

    private static SkeinNode server;

    @TempDir
    static Path dir;

    @BeforeAll
    static void serve() {
        server = SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }\npekko.loglevel = WARNING"))
                .service(info -> EchoService.definition(info::nodeId))
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private record Result(int exit, List<String> stdout, List<String> stderr) {
    }

    /** A jar with only a manifest: Main-Class and this test's class path. */
    private static Path standInJar() throws IOException {
        Path jar = dir.resolve("skein.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                urls.add(Path.of(entry).toAbsolutePath().toUri().toString());
            }
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            j.flush();
        }
        return jar;
    }

    private static Result launch(Map<String, String> env, String... args) throws Exception {
        Path script = Path.of("bin", "skein").toAbsolutePath();
        assertTrue(Files.isRegularFile(script), "missing " + script);
        List<String> command = new ArrayList<>(List.of("sh", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> all = new HashMap<>(Map.of(
                "SKEIN_JAR", standInJar().toString(),
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "SKEIN_JAVA_OPTS", "-Dlogback.configurationFile=" + ChildJvm.mainLogbackConfig()));
        all.putAll(env);
        pb.environment().putAll(all);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(RUN.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(command + " did not end within " + RUN);
        }
        return new Result(p.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8),
                Files.readAllLines(err, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList());
    }

    private static Result say(String message) throws Exception {
        return launch(Map.of(), "call", server.target(), SAY, "{\"message\":\"" + message + "\"}");
    }

    private static void assertReplied(Result r, String message) {
        assertEquals(0, r.exit(), r::toString);
        assertEquals(1, r.stdout().size(), r::toString);
        assertTrue(r.stdout().get(0).contains("\"message\":\"" + message + "\""), r::toString);
        assertEquals(List.of(), r.stderr(), r::toString);
    }

    private static Path archive() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> archives = files.filter(f -> f.getFileName().toString().matches("skein-\\d+\\.jsa")).toList();
            assertEquals(1, archives.size(), () -> "one archive expected: " + archives);
            return archives.get(0);
        }
    }

    @Test
    void theLauncherRecordsItsArchiveOnceReusesItAndRecordsItAgainForANewJar() throws Exception {
        assertReplied(say("first"), "first");
        Path archive = archive();
        assertTrue(Files.size(archive) > 0);
        // Make the archive's age observable on file systems with coarse timestamps.
        FileTime recorded = FileTime.from(Instant.now().minusSeconds(60));
        Files.setLastModifiedTime(archive, recorded);
        Files.setLastModifiedTime(standInJar(), FileTime.from(Instant.now().minusSeconds(120)));

        assertReplied(say("second"), "second");
        assertEquals(recorded, Files.getLastModifiedTime(archive), "the archive was reused, not recorded again");

        Files.setLastModifiedTime(standInJar(), FileTime.from(Instant.now().minusSeconds(30)));
        assertReplied(say("rebuilt"), "rebuilt");
        assertNotEquals(recorded, Files.getLastModifiedTime(archive), "a newer jar gets a new archive");

        // A broken archive (newer than the jar, so kept): the JVM ignores it, silently.
        Files.writeString(archive, "not an archive");
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now()));
        assertReplied(say("broken"), "broken");
    }

    @Test
    void theLauncherKeepsTheCommandLinesErrorsAndExitCodes() throws Exception {
        Result usage = launch(Map.of("SKEIN_CDS", "off"), "call", "127.0.0.1:8080", SAY, "{}");
        assertEquals(ExitCodes.USAGE, usage.exit(), usage::toString);
        assertEquals(1, usage.stderr().size(), usage::toString);
        assertTrue(usage.stderr().get(0).startsWith("ERROR") && usage.stderr().get(0).contains("skein://"),
                usage::toString);

        Result help = launch(Map.of("SKEIN_CDS", "off"), "call", "--help");
        assertEquals(0, help.exit(), help::toString);
        assertTrue(help.stdout().stream().anyMatch(l -> l.trim().startsWith("call TARGET")), help::toString);

        Result noJar = launch(Map.of("SKEIN_JAR", dir.resolve("missing.jar").toString()), "call", "--help");
        assertEquals(ExitCodes.UNAVAILABLE, noJar.exit(), noJar::toString);
        assertEquals(1, noJar.stderr().size(), noJar::toString);
        assertTrue(noJar.stderr().get(0).startsWith("ERROR: ") && noJar.stderr().get(0).contains("missing.jar"),
                noJar::toString);
    }
}
