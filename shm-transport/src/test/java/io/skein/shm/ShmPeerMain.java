package io.skein.shm;

import io.skein.protocols.CallKind;
import io.skein.transport.CallOptions;
import io.skein.transport.EndpointChannel;
import io.skein.transport.ServerOptions;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The other process of the fault tests, run in a child JVM on the test class path by {@link #start}:
 * {@code server SOCKET} serves Echo and {@link #NEVER} (a call that never answers, announced with an
 * {@code arrived} line) over shared memory; {@code client SOCKET PREFIX} opens a {@code shm://} channel
 * with its shared memory under PREFIX and starts one {@link #NEVER} call. Both print {@code ready} and
 * then live until killed.
 */
public final class ShmPeerMain {

    /** A unary method whose handler never answers. */
    public static final String NEVER = "test.Echo/Never";

    private ShmPeerMain() {
    }

    public static void main(String[] args) throws Exception {
        ActorSystem<Void> system;
        if (args[0].equals("server")) {
            system = ActorSystem.create(Behaviors.empty(), "peer", Servers.config(""));
            ShmServer.start(system, Path.of(args[1]), TestServices.echo().unary(NEVER, (req, ctx) -> {
                System.out.println("arrived " + req);
                return new CompletableFuture<>();
            }).build(), ServerOptions.DEFAULT).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } else {
            system = ActorSystem.create(Behaviors.empty(), "peer",
                    Servers.config("skein.shm.path-prefix = \"" + args[2] + "\""));
            EndpointChannel channel = ShmChannels.create(system, Path.of(args[1]));
            channel.unary(TestServices.method(NEVER, CallKind.UNARY), "from-child", CallOptions.DEFAULT);
        }
        System.out.println("ready");
        system.getWhenTerminated().toCompletableFuture().get();
    }

    /** A child JVM running this class; its output lines are collected as they come. */
    static final class Child implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();

        private Child(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("(output ended: " + e + ")");
                }
            }, "shm-peer-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), ShmPeerMain.class.getName()));
            command.addAll(List.of(args));
            return new Child(new ProcessBuilder(command).redirectErrorStream(true).start());
        }

        boolean printed(String prefix) {
            return lines.stream().anyMatch(l -> l.startsWith(prefix));
        }

        /** SIGKILL, then waits for the process to be gone. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                kill();
            }
        }

        Duration limit() {
            return Duration.ofSeconds(60);
        }
    }
}
