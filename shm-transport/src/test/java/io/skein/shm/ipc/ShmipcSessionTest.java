package io.skein.shm.ipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.channels.SocketChannel;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Two Shmipc sessions of this implementation over a real Unix socket and real shared memory. */
class ShmipcSessionTest {

    private ShmTestSupport support;
    private Channel server;
    private ServerMemory serverMemory;
    private final java.util.List<StreamListeners.Echo> echoes = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        support = new ShmTestSupport();
        serverMemory = new ServerMemory(1 << 30);
        server = support.server(support.socket("echo"), support.config(), serverMemory, () -> {
            StreamListeners.Echo e = new StreamListeners.Echo();
            echoes.add(e);
            return e;
        });
    }

    @AfterEach
    void stop() throws Exception {
        server.close().sync();
        support.close();
    }

    private void send(ShmipcSession session, int streamId, ByteBuf message) throws Exception {
        session.channel().eventLoop().submit(() -> {
            session.sendCopy(streamId, message);
            session.flush();
        }).get(5, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "protocol version {0}")
    @ValueSource(ints = {2, 3})
    void messagesOfEverySizeRoundTripThroughSharedMemory(int version) throws Exception {
        StreamListeners.Collector client = new StreamListeners.Collector();
        ShmipcSession session = support.client(support.socket("echo"), support.config().withProtocolVersion(version), client);
        client.ready.get(5, TimeUnit.SECONDS);
        assertEquals(version, session.version());
        int[] sizes = {0, 1, 64, 1024, 8172, 8173, 16 * 1024, 64 * 1024, 131052, 1 << 20};
        for (int i = 0; i < sizes.length; i++) {
            send(session, 2 + i, StreamListeners.message(sizes[i], i));
        }
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(StreamListeners.pattern(sizes[i], i),
                    client.expect(2 + i).get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS), "size " + sizes[i]);
        }
        assertEquals(0, client.fallbacks.get(), "no fallback while slices are free");
        if (version == 3) {
            assertEquals(java.util.List.of(), support.leftovers(), "files unlinked once the server acknowledged them");
        }
        session.channel().close().sync();
        client.closed.get(5, TimeUnit.SECONDS);
        ShmTestSupport.eventually(() -> support.leftovers().isEmpty() && support.mappings().isEmpty()
                && serverMemory.mapped() == 0);
    }

    @Test
    void everySliceComesBackToItsFreeListAfterTheExchange() throws Exception {
        StreamListeners.Collector client = new StreamListeners.Collector();
        ShmipcSession session = support.client(support.socket("echo"), support.config(), client);
        client.ready.get(5, TimeUnit.SECONDS);
        BufferManager buffers = session.buffers();
        int free = buffers.freeSlices();
        for (int i = 0; i < 200; i++) {
            send(session, 2 + i, StreamListeners.message(100 + i * 997, i));
        }
        for (int i = 0; i < 200; i++) {
            client.expect(2 + i).get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS);
        }
        ShmTestSupport.eventually(() -> buffers.freeSlices() == free);
        session.channel().close().sync();
    }

    @Test
    void aMessageLargerThanTheFreeSlicesFallsBackToTheSocketAndTheSessionRecovers() throws Exception {
        StreamListeners.Collector client = new StreamListeners.Collector();
        ShmipcConfig small = support.config().withBufferCapacity(1 << 20);
        ShmipcSession session = support.client(support.socket("echo"), small, client);
        client.ready.get(5, TimeUnit.SECONDS);
        send(session, 2, StreamListeners.message(2 << 20, 7));
        assertArrayEquals(StreamListeners.pattern(2 << 20, 7), client.expect(2).get(20, TimeUnit.SECONDS));
        assertTrue(client.fallbacks.get() >= 1, "the echo of a 2 MiB message in 1 MiB of slices came over the socket");
        assertTrue(echoes.get(0).fallbacks.get() >= 1, "so did the message");
        assertTrue(!session.isHealthy(), "the session is marked unhealthy after a fallback");
        send(session, 4, StreamListeners.message(1000, 1));
        assertArrayEquals(StreamListeners.pattern(1000, 1), client.expect(4).get(20, TimeUnit.SECONDS));
        session.channel().close().sync();
    }

    @Test
    void garbageOnTheControlSocketClosesThatSessionAndTheServerServesOn() throws Exception {
        try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            raw.connect(UnixDomainSocketAddress.of(support.socket("echo")));
            raw.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 12, 0x12, 0x34, 3, 4, 1, 2, 3, 4}));
            ByteBuffer in = ByteBuffer.allocate(16);
            ShmTestSupport.eventually(() -> raw.read(in) < 0);
        }
        StreamListeners.Collector client = new StreamListeners.Collector();
        ShmipcSession session = support.client(support.socket("echo"), support.config(), client);
        client.ready.get(5, TimeUnit.SECONDS);
        send(session, 2, StreamListeners.message(10, 1));
        assertArrayEquals(StreamListeners.pattern(10, 1), client.expect(2).get(20, TimeUnit.SECONDS));
        session.channel().close().sync();
    }

    @Test
    void pathsOutsideSharedMemoryOrMissingAreRefusedWithoutMappingAnything() throws Exception {
        try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            raw.connect(UnixDomainSocketAddress.of(support.socket("echo")));
            ByteBuf event = ControlEvents.sharedMemory(Unpooled.buffer().alloc(), 2, ControlEvents.SHARE_MEMORY_BY_FILE_PATH,
                    "/dev/shm/does-not-exist-queue", "relative/buffer");
            raw.write(event.nioBuffer());
            event.release();
            ByteBuffer in = ByteBuffer.allocate(16);
            ShmTestSupport.eventually(() -> raw.read(in) < 0);
        }
        assertEquals(0, serverMemory.mapped());
    }

    @Test
    void aClientThatNeverFinishesTheHandshakeIsClosed() throws Exception {
        ShmipcConfig quick = new ShmipcConfig(support.prefix, 64, 1 << 20, BufferManager.DEFAULT_CLASSES, 3,
                java.time.Duration.ofMillis(200), 1 << 20, 1 << 30, java.time.Duration.ofSeconds(1),
                ShmipcConfig.DEFAULT_POLL_WINDOW);
        Path socket = support.socket("quick");
        Channel quickServer = support.server(socket, quick, serverMemory, StreamListeners.Echo::new);
        try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            raw.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer in = ByteBuffer.allocate(16);
            ShmTestSupport.eventually(() -> raw.read(in) < 0);
        } finally {
            quickServer.close().sync();
        }
    }
}
