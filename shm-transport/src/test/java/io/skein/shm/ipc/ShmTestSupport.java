package io.skein.shm.ipc;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Event loops, socket paths and shared-memory prefixes for Shmipc tests, and a look at what they leave behind. */
final class ShmTestSupport implements AutoCloseable {

    /**
     * Event loops that poll recently active sessions, as the transport's own do ({@code skein.shm.polling}),
     * but never back off however busy the machine, so that what a test sees of polling is deterministic.
     */
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, PollingIoHandler.factory(EpollIoHandler.newFactory(),
            new PollingIoHandler.Settings(Duration.ZERO, Duration.ofHours(1), 100, Duration.ofMillis(100))));
    final Path dir;
    /** Every shared-memory file of this test starts with this (under /dev/shm). */
    final String prefix = "/dev/shm/skein-test-" + UUID.randomUUID().toString().substring(0, 8);

    ShmTestSupport() throws IOException {
        dir = Files.createTempDirectory("shmipc-test");
    }

    Path socket(String name) {
        return dir.resolve(name + ".sock");
    }

    ShmipcConfig config() {
        return ShmipcConfig.defaults().withPathPrefix(prefix).withBufferCapacity(4 << 20)
                .withQueueCapacity(256);
    }

    /** The files under /dev/shm whose names start with this test's prefix. */
    List<Path> leftovers() throws IOException {
        String name = Path.of(prefix).getFileName().toString();
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            return files.filter(p -> p.getFileName().toString().startsWith(name)).toList();
        }
    }

    /** Mappings of this test's files still in this process (/proc/self/maps). */
    List<String> mappings() throws IOException {
        String name = Path.of(prefix).getFileName().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(name)).toList();
    }

    /** A server on {@code socket} whose sessions get listeners from {@code listeners}. */
    Channel server(Path socket, ShmipcConfig config, ServerMemory memory, Supplier<ShmipcListener> listeners)
            throws Exception {
        return DomainSockets.bind(group, socket,
                ch -> ShmipcSession.installServer(ch.pipeline(), config, memory, listeners.get())).sync().channel();
    }

    /** A client session connected to {@code socket}. */
    ShmipcSession client(Path socket, ShmipcConfig config, ShmipcListener listener) throws Exception {
        ClientMemory memory = ClientMemory.create(config);
        ShmipcSession[] session = new ShmipcSession[1];
        try {
            DomainSockets.connect(group, socket, 5000,
                    ch -> session[0] = ShmipcSession.installClient(ch.pipeline(), config, memory, listener)).sync();
        } catch (Exception e) {
            memory.close();
            throw e;
        }
        return session[0];
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Waits (bounded by {@link #timeout()}) until {@code check} holds. */
    static void eventually(Check check) {
        io.skein.testing.Await.until(timeout(), () -> {
            try {
                return check.holds();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static Duration timeout() {
        return Duration.ofSeconds(20);
    }

    @Override
    public void close() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        // A Go peer killed before its handshake leaves its buffer file (nobody mapped it to remove it):
        // whatever carries this test's prefix goes, after the tests have checked what they expect.
        String name = Path.of(prefix).getFileName().toString();
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(name)).toList()) {
                Files.deleteIfExists(p);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}
