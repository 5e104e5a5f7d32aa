package io.skein.examples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The outside project in {@code examples/quickstart} builds and runs against Skein as a user's project
 * would: Skein's artifacts are installed into a private local repository (never {@code ~/.m2}), the
 * project resolves them through {@code skein-bom} only, generates its bindings from its own
 * {@code kv.proto} with skein-protoc-plugin, starts a node, calls itself with all four call kinds and
 * exits 0. A copy with grpc-java 1.85.1 added (which brings protobuf-java 3.25) still compiles, with the
 * protobuf-java the BOM pins.
 *
 * <p>Needs {@code mvn} on the PATH and the reactor's jars built ({@code mvn verify} or {@code package}
 * from the root, which runs this test after them). Without either it is skipped on a developer's
 * machine and fails under CI ({@code CI=true}). Other artifacts come from {@code ~/.m2} (read as a
 * file repository, never written) before Maven Central.
 */
class QuickstartProjectTest {

    private static final String VERSION = "0.1.0-SNAPSHOT";
    /** The case: this grpc-java depends on protobuf-java 3.25.x. */
    private static final String GRPC_JAVA = "1.85.1";
    /** What skein-bom pins and protoc 4 generates for. */
    private static final String PROTOBUF = "4.36.2";
    /** Reactor modules a consumer may resolve: directory, artifactId, packaging. */
    private static final List<String[]> MODULES = List.of(
            new String[] {"bom", "skein-bom", "pom"},
            new String[] {".", "skein-parent", "pom"},
            new String[] {"protocols", "skein-protocols", "jar"},
            new String[] {"transport", "skein-transport", "jar"},
            new String[] {"shm-transport", "skein-shm-transport", "jar"},
            new String[] {"actors", "skein-actors", "jar"},
            new String[] {"governance", "skein-governance", "jar"},
            new String[] {"runtime", "skein-runtime", "jar"},
            new String[] {"protoc-plugin", "skein-protoc-plugin", "jar"});
    private static final Duration BUILD = Duration.ofMinutes(8);
    private static final Duration RUN = Duration.ofMinutes(2);

    @Test
    void theQuickstartProjectBuildsFromTheBomCallsItselfWithAllFourCallKindsAndStillBuildsWithGrpcJava() throws Exception {
        Path examples = Path.of("").toAbsolutePath();
        Path root = examples.getParent();
        Path work = examples.resolve("target/quickstart");
        Path repo = work.resolve("repository");
        Path project = work.resolve("project");
        String mvn = findMaven();
        if (mvn == null) {
            skipOrFail("mvn is not on the PATH");
            return;
        }
        for (String[] m : MODULES) {
            if (m[2].equals("jar") && !Files.isRegularFile(jar(root, m))) {
                skipOrFail(jar(root, m) + " is not built; run `mvn -B verify` (or `package`) from the root first");
                return;
            }
        }
        deleteTree(project);
        deleteTree(repo.resolve("io/skein")); // this build's artifacts, never stale ones
        for (String[] m : MODULES) {
            install(root, repo, m);
        }
        copyTree(examples.resolve("quickstart"), project, p -> !p.startsWith(examples.resolve("quickstart/target")));
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, settings(Path.of(System.getProperty("user.home"), ".m2", "repository")));

        Result build = run(project, BUILD, mvn, "-B", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo, "package");
        assertEquals(0, build.exit(), () -> "the quickstart does not build:\n" + build.output());
        assertTrue(Files.isRegularFile(project.resolve(
                "target/generated-sources/protobuf/java/com/example/kv/KeyValueSkein.java")), "bindings generated");

        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = project.resolve("target/classes") + File.pathSeparator
                + project.resolve("target/lib") + File.separator + "*";
        Result app = run(project, RUN, javaBin, "-cp", classPath, "com.example.kv.Main");
        assertEquals(0, app.exit(), app::output);
        List<String> lines = app.output().lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ .*")).toList();
        for (String expected : List.of("put greeting -> version 1", "putAll a, b -> stored 2, version 3",
                "watch -> greeting=hello @1", "watch -> a=1 @2", "watch -> b=2 @3",
                "getMany a -> 1", "getMany b -> 2", "getMany missing -> (none)", "done")) {
            assertTrue(lines.contains(expected), () -> "no line '" + expected + "' in:\n" + app.output());
        }
        assertTrue(lines.stream().anyMatch(l -> l.matches("serving \\[example\\.kv\\.KeyValue] at skein://127\\.0\\.0\\.1:\\d+")),
                app::output);
        assertTrue(app.output().lines().noneMatch(l -> l.contains("Exception") || l.contains("SLF4J")),
                () -> "no stack trace or SLF4J warning expected:\n" + app.output());

        // The same project with grpc-java added, whose grpc-protobuf brings protobuf-java 3.25: skein-bom
        // keeps protobuf-java at the 4.x that protoc generated for, so the project still compiles.
        Path withGrpc = work.resolve("project-grpc");
        deleteTree(withGrpc);
        copyTree(examples.resolve("quickstart"), withGrpc, p -> !p.startsWith(examples.resolve("quickstart/target")));
        Path pom = withGrpc.resolve("pom.xml");
        String original = Files.readString(pom);
        String grpc = "    <dependency><groupId>io.grpc</groupId><artifactId>grpc-protobuf</artifactId><version>"
                + GRPC_JAVA + "</version></dependency>\n"
                + "    <dependency><groupId>io.grpc</groupId><artifactId>grpc-stub</artifactId><version>"
                + GRPC_JAVA + "</version></dependency>\n";
        String changed = original.replace("  </dependencies>\n\n  <build>", grpc + "  </dependencies>\n\n  <build>");
        assertTrue(!changed.equals(original), "the quickstart's pom has no dependencies block before <build>");
        Files.writeString(pom, changed);
        Result grpcBuild = run(withGrpc, BUILD, mvn, "-B", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo, "package");
        assertEquals(0, grpcBuild.exit(), () -> "the quickstart with grpc-java does not build:\n" + grpcBuild.output());
        List<String> libs;
        try (Stream<Path> files = Files.list(withGrpc.resolve("target/lib"))) {
            libs = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertTrue(libs.contains("grpc-protobuf-" + GRPC_JAVA + ".jar"), libs::toString);
        assertTrue(libs.contains("protobuf-java-" + PROTOBUF + ".jar"), libs::toString);
        assertTrue(libs.stream().noneMatch(l -> l.startsWith("protobuf-java-") && !l.contains(PROTOBUF)), libs::toString);
    }

    private static Path jar(Path root, String[] m) {
        return root.resolve(m[0]).resolve("target").resolve(m[1] + "-" + VERSION + ".jar");
    }

    /** What {@code mvn install} puts in a local repository: the pom, and the jar for a jar module. */
    private static void install(Path root, Path repo, String[] m) throws IOException {
        Path dir = repo.resolve("io/skein").resolve(m[1]).resolve(VERSION);
        Files.createDirectories(dir);
        Files.copy(root.resolve(m[0]).resolve("pom.xml"), dir.resolve(m[1] + "-" + VERSION + ".pom"),
                StandardCopyOption.REPLACE_EXISTING);
        if (m[2].equals("jar")) {
            Files.copy(jar(root, m), dir.resolve(m[1] + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** ~/.m2 read as a repository (releases only) before Central; nothing is written there. */
    private static String settings(Path m2) {
        String repo = """
                <id>%s</id><url>%s</url>
                <releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots>
                """.formatted("user-m2-read-only", m2.toUri());
        return """
                <settings>
                  <profiles><profile><id>m2</id>
                    <repositories><repository>%s</repository></repositories>
                    <pluginRepositories><pluginRepository>%s</pluginRepository></pluginRepositories>
                  </profile></profiles>
                  <activeProfiles><activeProfile>m2</activeProfile></activeProfiles>
                </settings>
                """.formatted(repo, repo);
    }

    private record Result(int exit, String output) {
    }

    /** Runs a command to its end (bounded), stdout and stderr together. */
    private static Result run(Path dir, Duration limit, String... command) throws Exception {
        Path log = Files.createTempFile("skein-quickstart-", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not end within " + limit + ":\n"
                        + Files.readString(log));
            }
            return new Result(p.exitValue(), Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String findMaven() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path mvn = Path.of(dir, "mvn");
            if (Files.isExecutable(mvn)) {
                return mvn.toString();
            }
        }
        return null;
    }

    private static void skipOrFail(String why) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(why + " (required under CI)");
        }
        org.junit.jupiter.api.Assumptions.abort(why);
    }

    private static void copyTree(Path from, Path to, java.util.function.Predicate<Path> include) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files.filter(include)::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
