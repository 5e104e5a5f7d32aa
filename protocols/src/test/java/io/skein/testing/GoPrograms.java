package io.skein.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Builds the Go peers of interop tests ({@code interop/<name>} at the repository root) with the Go
 * toolchain. Without {@code go} on the PATH a test is skipped on a developer's machine and fails under
 * CI ({@code CI=true}), where the real peer is the proof and must run.
 */
public final class GoPrograms {

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);

    private GoPrograms() {
    }

    /** {@code go} from the PATH; skips (or, under CI, fails) {@code test} when there is none. */
    public static Path go(String test) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = dir.isEmpty() ? null : Path.of(dir, "go");
                if (candidate != null && Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        String why = test + " needs the Go toolchain: no 'go' executable on PATH. Install Go (and allow the Go module"
                + " proxy) to run it.";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(why);
        }
        assumeTrue(false, why);
        return null;
    }

    /** The directory {@code interop/<name>}, found from the working directory upwards. */
    public static Path module(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("interop").resolve(name);
            if (Files.isRegularFile(candidate.resolve("go.mod"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("interop/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * Runs {@code go build -o output .} in {@code module} (the first build downloads modules through
     * the Go module proxy); the build log goes next to {@code output}.
     */
    public static Path build(String test, Path module, Path output) throws IOException, InterruptedException {
        Path go = go(test);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Path log = output.resolveSibling(output.getFileName() + "-build.log");
        Process p = new ProcessBuilder(go.toString(), "build", "-buildvcs=false", "-o", output.toAbsolutePath().toString(), ".")
                .directory(module.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("go build of " + module + " did not finish within " + BUILD_TIMEOUT + "; see " + log);
            }
        } finally {
            p.destroyForcibly();
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("go build of " + module + " failed (exit " + p.exitValue() + "):\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return output;
    }
}
