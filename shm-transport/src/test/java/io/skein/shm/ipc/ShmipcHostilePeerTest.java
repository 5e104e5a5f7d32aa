package io.skein.shm.ipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A hostile or corrupt peer, after a proper handshake: what it puts in the shared queue and slices, and
 * what it writes on the control socket, closes its own session with a logged reason — never a read
 * outside the mapping, a crash or a hang — and the server serves the next session.
 */
class ShmipcHostilePeerTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** What the hostile client does to the server, on its session's event loop. */
    enum Corruption {
        OFFSET_BEYOND_THE_MAPPING {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                s.sendSlices(2, m.buffers().memory().size() + 4096);
            }
        },
        OFFSET_INSIDE_A_SLICE {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                s.sendSlices(2, m.buffers().allocate(10) + 4);
            }
        },
        NEGATIVE_OFFSET {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                s.sendSlices(2, -20);
            }
        },
        LENGTH_BEYOND_THE_SLICE {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                BufferManager b = m.buffers();
                int slice = b.allocate(10);
                b.setData(slice, 0, b.capacity(slice) + 100);
                s.sendSlices(2, slice);
            }
        },
        START_FAR_BEYOND_THE_SLICE {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                BufferManager b = m.buffers();
                int slice = b.allocate(10);
                b.setData(slice, Integer.MAX_VALUE, 10);
                s.sendSlices(2, slice);
            }
        },
        CHAIN_THAT_LOOPS {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                BufferManager b = m.buffers();
                int first = b.allocate(10);
                int second = b.allocate(10);
                b.setData(first, 0, 10);
                b.setData(second, 0, 10);
                b.link(first, second);
                b.link(second, first);
                s.sendSlices(2, first);
            }
        },
        CHAIN_INTO_NOWHERE {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                BufferManager b = m.buffers();
                int first = b.allocate(10);
                b.setData(first, 0, 10);
                b.link(first, b.memory().size() - 8);
                s.sendSlices(2, first);
            }
        },
        QUEUE_TAIL_FAR_AHEAD {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                boolean arm = "aarch64".equals(System.getProperty("os.arch"));
                m.queues().memory().putLongVolatile(arm ? 16 : 12, 1L << 40); // the client's send queue is first
                s.channel().writeAndFlush(ControlEvents.bare(ALLOC, s.version(), ControlEvents.POLLING));
            }
        },
        UNKNOWN_CONTROL_EVENT {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                s.channel().writeAndFlush(ControlEvents.bare(ALLOC, s.version(), 77));
            }
        },
        BAD_MAGIC {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                ByteBuf e = ControlEvents.bare(ALLOC, s.version(), ControlEvents.POLLING);
                e.setShort(4, 0x1234);
                s.channel().writeAndFlush(e);
            }
        },
        FALLBACK_LONGER_THAN_ALLOWED {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                s.channel().writeAndFlush(ControlEvents.fallbackHeader(ALLOC, s.version(), 2, 0, 1 << 30));
            }
        },
        FALLBACK_FRAME_CUT_SHORT {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                ByteBuf e = ALLOC.buffer(12);
                e.writeInt(12).writeShort(ControlEvents.MAGIC).writeByte(s.version()).writeByte(ControlEvents.FALLBACK_DATA);
                e.writeInt(2); // stream id without the status
                s.channel().writeAndFlush(e);
            }
        },
        TRUNCATED_BUFFER_FILE {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                BufferManager b = m.buffers();
                int slice = b.allocate(10);
                b.setData(slice, 0, 10);
                try (FileChannel file = FileChannel.open(m.bufferPath(), StandardOpenOption.WRITE)) {
                    file.truncate(0); // the server's pages of it are gone: touching them raises SIGBUS
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                s.sendSlices(2, slice);
            }
        },
        SECOND_HANDSHAKE {
            @Override
            void apply(ShmipcSession s, ClientMemory m) {
                s.channel().writeAndFlush(ControlEvents.sharedMemory(ALLOC, s.version(),
                        ControlEvents.SHARE_MEMORY_BY_FILE_PATH, "/etc/passwd", "/etc/passwd"));
            }
        };

        abstract void apply(ShmipcSession session, ClientMemory memory);
    }

    private ShmTestSupport support;
    private Channel server;
    private ServerMemory serverMemory;
    private final List<StreamListeners.Echo> echoes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        support = new ShmTestSupport();
        serverMemory = new ServerMemory(1 << 30);
        server = support.server(support.socket("victim"), support.config().withProtocolVersion(2), serverMemory, () -> {
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

    @ParameterizedTest(name = "{0}")
    @EnumSource(Corruption.class)
    void whatAHostilePeerWritesClosesOnlyItsOwnSession(Corruption corruption) throws Exception {
        ShmipcConfig config = support.config().withProtocolVersion(2); // v2 keeps the files, so a test can look at them
        ClientMemory memory = ClientMemory.create(config);
        StreamListeners.Collector hostile = new StreamListeners.Collector();
        ShmipcSession[] made = new ShmipcSession[1];
        DomainSockets.connect(support.group, support.socket("victim"), 5000,
                ch -> made[0] = ShmipcSession.installClient(ch.pipeline(), config, memory, hostile)).sync();
        ShmipcSession session = made[0];
        hostile.ready.get(10, TimeUnit.SECONDS);
        ShmTestSupport.eventually(() -> echoes.size() == 1 && echoes.get(0).session != null);

        session.channel().eventLoop().submit(() -> {
            corruption.apply(session, memory);
            session.flush();
        }).get(10, TimeUnit.SECONDS);

        String reason = echoes.get(0).closed.get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS);
        assertTrue(reason.matches("(?s).*(corrupt|outside|invalid|not a slice|unexpected|too long|frame length|exceeds|truncated).*"),
                () -> corruption + " closed the session for: " + reason);
        hostile.closed.get(ShmTestSupport.timeout().toSeconds(), TimeUnit.SECONDS);
        ShmTestSupport.eventually(() -> serverMemory.mapped() == 0);

        StreamListeners.Collector honest = new StreamListeners.Collector();
        ShmipcSession next = support.client(support.socket("victim"), config, honest);
        honest.ready.get(10, TimeUnit.SECONDS);
        next.channel().eventLoop().submit(() -> {
            next.sendCopy(2, StreamListeners.message(3000, 5));
            next.flush();
        }).get(10, TimeUnit.SECONDS);
        assertArrayEquals(StreamListeners.pattern(3000, 5), honest.expect(2).get(20, TimeUnit.SECONDS));
        assertEquals(2, echoes.size());
        next.channel().close().sync();
    }
}
