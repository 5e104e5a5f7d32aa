package io.skein.examples.testing;

import io.skein.examples.Main;
import io.skein.testing.Await;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The {@code skein} CLI ({@link Main}) in a child JVM on the test classpath. Standard output is read
 * line by line as it comes; standard error goes to a file (logs go there too, through the CLI's own
 * {@code logback.xml}). Every child still alive is killed by {@link #killAll()}, and at JVM exit.
 */
public final class ChildJvm implements AutoCloseable {

    private static final Set<ChildJvm> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildJvm::killAll, "kill-child-jvms"));
    }

    private final List<String> command;
    private final Process process;
    private final Path stderrFile;
    private final List<String> stdoutLines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ChildJvm(List<String> command, Process process, Path stderrFile) {
        this.command = command;
        this.process = process;
        this.stderrFile = stderrFile;
        this.reader = new Thread(this::readStdout, "child-stdout-" + process.pid());
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts {@code Main} with {@code args}, with extra environment variables. */
    public static ChildJvm start(Map<String, String> env, String... args) {
        return start(env, List.of(), args);
    }

    /** Starts {@code Main} with {@code args}, extra environment variables and extra JVM options ({@code -Dk=v}). */
    public static ChildJvm start(Map<String, String> env, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        // Short-lived JVMs: start fast, stay small.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Xmx256m");
        command.add("-Xss512k");
        // The CLI's own logging config (logs on stderr), not the test jars' logback-test.xml.
        command.add("-Dlogback.configurationFile=" + mainLogbackConfig());
        command.addAll(jvmOptions);
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        try {
            Path stderr = Files.createTempFile("skein-child-", ".stderr");
            stderr.toFile().deleteOnExit();
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderr.toFile());
            pb.environment().putAll(env);
            ChildJvm child = new ChildJvm(command, pb.start(), stderr);
            LIVE.add(child);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Starts {@code Main} with {@code args}. */
    public static ChildJvm start(String... args) {
        return start(Map.of(), args);
    }

    /** The CLI's own {@code logback.xml} (logs on stderr), for {@code -Dlogback.configurationFile}. */
    public static String mainLogbackConfig() {
        URL url = Main.class.getClassLoader().getResource("logback.xml");
        if (url == null) {
            throw new IllegalStateException("the CLI's logback.xml is not on the classpath");
        }
        try {
            return "file".equals(url.getProtocol()) ? new File(url.toURI()).getPath() : url.toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void readStdout() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                stdoutLines.add(line);
            }
        } catch (IOException e) {
            // the child is gone; what was read is kept
        }
    }

    public Process process() {
        return process;
    }

    /** Writes {@code text} to the child's standard input and closes it. */
    public void writeStdinAndClose(String text) {
        try (OutputStream in = process.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first stdout line matching {@code match}, waiting at most {@code timeout}. */
    public String awaitLine(Predicate<String> match, Duration timeout) {
        Await.until(timeout, () -> stdoutLines.stream().anyMatch(match) || !process.isAlive() && !reader.isAlive(),
                () -> "a matching line from " + this);
        return stdoutLines.stream().filter(match).findFirst().orElseThrow(() -> new AssertionError(
                "child exited (" + process.exitValue() + ") without printing the expected line; " + this));
    }

    /** Waits for the child to exit and returns its exit code; fails the test after {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("child did not exit within " + timeout.toMillis() + " ms: " + this);
            }
            reader.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** Standard output lines read so far (all of them once {@link #awaitExit} returned). */
    public List<String> stdout() {
        return List.copyOf(stdoutLines);
    }

    /** Standard error written so far. */
    public String stderr() {
        try {
            return Files.readString(stderrFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<cannot read stderr: " + e + ">";
        }
    }

    /** Kills the child at once (SIGKILL) if it is still running, and waits for it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(this);
    }

    /** Kills every child still running. */
    public static void killAll() {
        for (ChildJvm child : List.copyOf(LIVE)) {
            child.close();
        }
    }

    @Override
    public String toString() {
        return "child JVM " + process.pid() + " " + command.subList(command.indexOf(Main.class.getName()), command.size())
                + "\nstdout: " + stdoutLines + "\nstderr: " + stderr();
    }
}
