package io.skein.examples.observability;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tools the observability tests run as real processes (Prometheus, promtool, Python): found on the
 * PATH; a missing one skips the test on a developer machine and fails it under CI ({@code CI=true}),
 * where {@code .ci/run} installs them.
 */
final class ExternalTools {

    private ExternalTools() {
    }

    /** {@code name} from the PATH; without it the test is skipped, except under CI. */
    static Path require(String name, String install) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = dir.isEmpty() ? null : Path.of(dir, name);
                if (candidate != null && Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        String why = name + " is not on the PATH (" + install + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(why);
        }
        org.junit.jupiter.api.Assumptions.abort(why);
        return null;
    }

    /** A free loopback port (closed again, so a process started next can bind it). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Runs {@code command} to its end within {@code limit}, its output in {@code log}; returns the exit code. */
    static int run(List<String> command, Path dir, Duration limit, Path log, Path stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        Process p = pb.start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not end within " + limit + ":\n" + Files.readString(log));
        }
        return p.exitValue();
    }

    /** Starts {@code command} in the background, its output in {@code log}. */
    static Process start(List<String> command, Path dir, Path log) throws IOException {
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    /** Stops {@code process} (and waits, bounded). */
    static void stop(Process process) throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
