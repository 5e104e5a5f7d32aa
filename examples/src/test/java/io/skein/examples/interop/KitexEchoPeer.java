package io.skein.examples.interop;

import static org.junit.jupiter.api.Assertions.fail;

import io.skein.testing.GoPrograms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Kitex (Go) peer of the interop tests, {@code interop/kitex} ({@code kitex-echo}), built once per
 * test JVM by {@link GoPrograms} into {@code target/kitex-interop}, and its server and client processes
 * (every wait bounded). Needs Go on the PATH and the Go module proxy (the first build downloads Kitex
 * into the module cache): without {@code go} a test is skipped on a developer's machine and fails under
 * CI ({@code CI=true}).
 */
final class KitexEchoPeer {

    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(30);

    private static Path workDir;
    private static Path binary;

    private KitexEchoPeer() {
    }

    /** What a {@code kitex-echo client} run printed and how it exited. */
    record Result(int exit, List<String> lines, String stderr) {
        String firstLine() {
            return lines.isEmpty() ? "" : lines.get(0);
        }

        String describe() {
            return "exit " + exit + ", stdout " + lines + ", stderr " + stderr;
        }
    }

    /** A running {@code kitex-echo server}, listening on {@code address} (HOST:PORT). */
    record Server(Process process, String address) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Builds {@code kitex-echo} unless this JVM did already; returns the working directory of the peer. */
    static synchronized Path build() throws IOException, InterruptedException {
        if (binary == null) {
            workDir = Path.of("target", "kitex-interop").toAbsolutePath();
            long started = System.nanoTime();
            binary = GoPrograms.build("the Kitex interop tests", GoPrograms.module("kitex"), workDir.resolve("kitex-echo"));
            System.out.printf("built %s in %d ms%n", binary, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
        return workDir;
    }

    /**
     * Starts {@code kitex-echo server --addr 127.0.0.1:0 args...} (stderr into {@code <logName>.stderr.log}
     * in the work directory) and waits for its "listening on" line.
     */
    static Server server(String logName, String... args) throws IOException, InterruptedException {
        build();
        List<String> command = new ArrayList<>(List.of(binary.toString(), "server", "--addr", "127.0.0.1:0"));
        command.addAll(List.of(args));
        Path stderr = workDir.resolve(logName + ".stderr.log");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        try {
            return new Server(process, awaitListening(process, stderr));
        } catch (AssertionError | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Runs {@code kitex-echo client --addr address args...} to completion (bounded). */
    static Result client(String address, String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "client", "--addr", address));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(workDir, "client", ".out");
            Path err = Files.createTempFile(workDir, "client", ".err");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                if (!p.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    fail("kitex-echo client did not finish within " + PROCESS_TIMEOUT + ": " + command);
                }
            } finally {
                p.destroyForcibly();
            }
            Result r = new Result(p.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Reads the server's stdout until "listening on HOST:PORT" (bounded); returns HOST:PORT. */
    private static String awaitListening(Process server, Path stderr) throws InterruptedException {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process went away; awaitListening reports the missing line
            }
            lines.add("<eof>");
        }, "kitex-server-stdout");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + LISTEN_TIMEOUT.toNanos();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.equals("<eof>")) {
                fail("kitex-echo server did not print 'listening on' within " + LISTEN_TIMEOUT
                        + (line == null ? "" : " (it exited)") + "; see " + stderr);
            }
            if (line.startsWith("listening on ")) {
                return line.substring("listening on ".length()).trim();
            }
        }
    }
}
