package io.skein.shm.ipc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Shmipc session, compatible with shmipc-go v0.2.0: a Unix-domain-socket control connection (a
 * Netty channel) carrying the handshake, wake-ups and fallback data, beside two IO queues and a
 * buffer region in shared memory.
 *
 * <p><b>Handshake.</b> A client (which created the memory, see {@link ClientMemory}) offers protocol
 * version 3: ExchangeProtoVersion, then ShareMemoryByFilePath with the two paths, then waits for
 * AckShareMemory and unlinks the files; or version 2: the paths alone. A server answers both, as
 * shmipc-go's server does; a memfd offer (version 3's ShareMemoryByMemfd) is refused, because the JDK
 * and Netty cannot receive the two descriptors shmipc-go sends in one message.
 *
 * <p><b>Data.</b> A flush is an element on the send queue naming a chain of slices; the peer is woken
 * by a Polling event only when its working flag was clear (one wake-up per batch, {@link #flush()}).
 * On Polling this side drains its receive queue until it can clear its own flag, hands each element to
 * the {@link ShmipcListener} with the slices read in place, and recycles them when the listener
 * returns. FallbackData carries a flush over the socket when the peer had no slices; it marks the
 * session unhealthy for {@link ShmipcConfig#unhealthyPeriod()}.
 *
 * <p><b>Polling.</b> On an event loop run by a {@link PollingIoHandler}, a session that sent or received
 * data keeps its receive queue's working flag set and is polled by the loop for
 * {@link ShmipcConfig#pollWindow()} after its last data: meanwhile the peer puts data without a wake-up
 * (its CAS of the flag fails) and this side takes it without waiting on the socket. When the window
 * has passed the flag is cleared as above, and the next batch is announced by a Polling event again.
 *
 * <p>Threads: every method runs on the channel's event loop (callers hop there), except
 * {@link #buffers()}, {@link #isReady()} and {@link #isHealthy()}. Ownership: the session owns its
 * queues and its reference on the buffer region; both are given back once, when the channel closes.
 */
public final class ShmipcSession extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ShmipcSession.class);
    // Control events and fallback copies never come from the channel's allocator, which a transport
    // may point at shared memory.
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** Queue element status: data. */
    public static final int STREAM_OPENED = 0;
    /** Queue element status: the stream is closed (no data). */
    public static final int STREAM_CLOSED = 1;

    private enum State { HANDSHAKE_EXCHANGE, HANDSHAKE_PATHS, HANDSHAKE_ACK, READY, CLOSED }

    private final boolean client;
    private final ShmipcConfig config;
    private final ShmipcListener listener;
    private final ClientMemory clientMemory;
    private final ServerMemory serverMemory;
    private final int[] element = new int[3];
    private Channel channel;
    private ChannelHandlerContext context;
    private State state;
    private int version;
    private QueuePair queues;
    private volatile BufferManager buffers;
    private Path serverBufferPath;
    private boolean wakePending;
    private PollingIoHandler poller;
    private volatile boolean polling;
    private long pollUntil;
    private volatile long wakeupsSent;
    private volatile long wakeupsReceived;
    private volatile boolean ready;
    private volatile long unhealthyUntil;
    private ScheduledFuture<?> handshakeTimer;
    private String closeReason;

    private ShmipcSession(boolean client, ShmipcConfig config, ShmipcListener listener, ClientMemory clientMemory,
                          ServerMemory serverMemory) {
        this.client = client;
        this.config = config;
        this.listener = listener;
        this.clientMemory = clientMemory;
        this.serverMemory = serverMemory;
        if (client) {
            this.queues = clientMemory.queues();
            this.buffers = clientMemory.buffers();
        }
    }

    /**
     * Installs a client session on {@code pipeline} (a Unix-domain-socket channel, not yet active); the
     * session owns {@code memory} from now on.
     */
    public static ShmipcSession installClient(ChannelPipeline pipeline, ShmipcConfig config, ClientMemory memory,
                                              ShmipcListener listener) {
        ShmipcSession s = new ShmipcSession(true, config, listener, memory, null);
        install(pipeline, s, config);
        return s;
    }

    /** Installs a server session on an accepted Unix-domain-socket channel; mappings come from {@code memory}. */
    public static ShmipcSession installServer(ChannelPipeline pipeline, ShmipcConfig config, ServerMemory memory,
                                              ShmipcListener listener) {
        ShmipcSession s = new ShmipcSession(false, config, listener, null, memory);
        install(pipeline, s, config);
        return s;
    }

    private static void install(ChannelPipeline pipeline, ShmipcSession session, ShmipcConfig config) {
        // An event's length counts its header, so the frame is `length` bytes from its start.
        pipeline.addLast("shmipc-events", new LengthFieldBasedFrameDecoder(config.maxEventSize(), 0, 4, -4, 0));
        pipeline.addLast("shmipc-session", session);
    }

    public boolean isClient() {
        return client;
    }

    /** The protocol version agreed on (2 or 3), once the handshake is done. */
    public int version() {
        return version;
    }

    public Channel channel() {
        return channel;
    }

    /** The buffer region (null before a server's handshake has mapped it); any thread. */
    public BufferManager buffers() {
        return buffers;
    }

    /** Whether the handshake is done and the session not closed; any thread. */
    public boolean isReady() {
        return ready;
    }

    /** False for a while after a fallback to the socket (either direction); any thread. */
    public boolean isHealthy() {
        return System.nanoTime() - unhealthyUntil >= 0;
    }

    /** Marks the session unhealthy for the configured period (slices ran out). */
    public void markUnhealthy() {
        long until = System.nanoTime() + config.unhealthyPeriod().toNanos();
        if (isHealthy()) {
            log.warn("shmipc session {} fell back to the socket: shared memory exhausted; marked unhealthy for {}",
                    channel, config.unhealthyPeriod());
        }
        unhealthyUntil = until == 0 ? 1 : until;
    }

    // ------------------------------------------------------------------ lifecycle and handshake

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        context = ctx;
        state = State.HANDSHAKE_EXCHANGE;
        if (channel.isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            return;
        }
        handshakeTimer = ctx.executor().schedule(() -> {
            if (!ready && state != State.CLOSED) {
                close("handshake did not finish within " + config.handshakeTimeout().toMillis() + " ms");
            }
        }, config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (client) {
            if (config.protocolVersion() == 2) {
                version = 2;
                sendPaths();
                becomeReady();
            } else {
                write(ControlEvents.bare(ALLOC, ControlEvents.MAX_VERSION, ControlEvents.EXCHANGE_PROTO_VERSION));
                channel.flush();
            }
        }
    }

    private void sendPaths() {
        write(ControlEvents.sharedMemory(ALLOC, version, ControlEvents.SHARE_MEMORY_BY_FILE_PATH,
                clientMemory.queuePath().toString(), clientMemory.bufferPath().toString()));
        channel.flush();
    }

    private void becomeReady() {
        state = State.READY;
        ready = true;
        poller = config.pollWindow().isZero() ? null : PollingIoHandler.current();
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        log.debug("shmipc {} session {} ready (protocol version {})", client ? "client" : "server", channel, version);
        listener.onReady(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf event = (ByteBuf) msg;
        try {
            if (state == State.CLOSED) {
                return;
            }
            String invalid = ControlEvents.invalid(event);
            if (invalid != null) {
                close("invalid control event: " + invalid);
                return;
            }
            if (state == State.READY) {
                onEvent(event);
            } else {
                onHandshake(event);
            }
        } catch (ShmipcException | IndexOutOfBoundsException | InternalError e) {
            closeBroken(e);
        } finally {
            ReferenceCountUtil.release(event);
        }
    }

    /** Closes the session for what the peer broke: the protocol, the mapping's bounds or the memory itself. */
    private void closeBroken(Throwable e) {
        if (e instanceof IndexOutOfBoundsException) {
            close("peer referred to memory outside the mapping: " + e.getMessage());
        } else if (e instanceof InternalError) {
            // HotSpot turns a SIGBUS on a mapped page into this error: the peer shrank a file it shares.
            close("the peer truncated its shared memory: " + e.getMessage());
        } else {
            close(e.getMessage());
        }
    }

    private void onHandshake(ByteBuf event) {
        int type = ControlEvents.type(event);
        int v = ControlEvents.version(event);
        if (client) {
            if (state == State.HANDSHAKE_EXCHANGE && type == ControlEvents.EXCHANGE_PROTO_VERSION) {
                version = Math.min(ControlEvents.MAX_VERSION, v);
                if (version < 2) {
                    close("server speaks protocol version " + v + "; 2 or 3 is needed");
                    return;
                }
                sendPaths();
                if (version == 2) {
                    becomeReady();
                } else {
                    state = State.HANDSHAKE_ACK;
                }
            } else if (state == State.HANDSHAKE_ACK && type == ControlEvents.ACK_SHARE_MEMORY) {
                clientMemory.unlink(); // the server has mapped both files: nothing needs their names now
                becomeReady();
            } else {
                close("unexpected " + ControlEvents.name(type) + " during the handshake");
            }
            return;
        }
        if (state == State.HANDSHAKE_EXCHANGE) {
            if (v == 2 && type == ControlEvents.SHARE_MEMORY_BY_FILE_PATH) {
                version = 2;
                mapPeerMemory(event);
                becomeReady();
            } else if (v >= 3 && type == ControlEvents.EXCHANGE_PROTO_VERSION) {
                version = Math.min(v, ControlEvents.MAX_VERSION);
                write(ControlEvents.bare(ALLOC, ControlEvents.MAX_VERSION, ControlEvents.EXCHANGE_PROTO_VERSION));
                channel.flush();
                state = State.HANDSHAKE_PATHS;
            } else {
                close("client opened with " + ControlEvents.name(type) + " at protocol version " + v
                        + "; versions 2 and 3 are supported");
            }
        } else if (state == State.HANDSHAKE_PATHS && type == ControlEvents.SHARE_MEMORY_BY_FILE_PATH) {
            mapPeerMemory(event);
            write(ControlEvents.bare(ALLOC, version, ControlEvents.ACK_SHARE_MEMORY));
            channel.flush();
            becomeReady();
        } else if (type == ControlEvents.SHARE_MEMORY_BY_MEMFD) {
            close("the client offered memfd shared memory, which this server cannot receive; "
                    + "configure the client with MemMapTypeDevShmFile (/dev/shm files)");
        } else {
            close("unexpected " + ControlEvents.name(type) + " during the handshake");
        }
    }

    private void mapPeerMemory(ByteBuf event) {
        String[] paths = ControlEvents.paths(event);
        if (paths == null) {
            throw new ShmipcException("malformed shared memory paths");
        }
        try {
            queues = serverMemory.mapQueues(Path.of(paths[0]));
            try {
                Path bufferPath = Path.of(paths[1]);
                buffers = serverMemory.acquire(bufferPath);
                serverBufferPath = bufferPath;
            } catch (IOException | RuntimeException e) {
                queues.close();
                queues = null;
                throw e;
            }
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new ShmipcException("cannot map the client's shared memory: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ receiving

    private void onEvent(ByteBuf event) {
        int type = ControlEvents.type(event);
        int body = event.readerIndex() + ControlEvents.HEADER;
        switch (type) {
            case ControlEvents.POLLING -> {
                wakeupsReceived++; // only this event loop writes it
                drain();
            }
            case ControlEvents.FALLBACK_DATA -> {
                int streamId = event.getInt(body);
                int status = event.getInt(body + 4) & 0xFF;
                markUnhealthy();
                ByteBuf data = event.slice(body + 8, event.writerIndex() - body - 8);
                if (status == STREAM_CLOSED) {
                    listener.onStreamClosed(streamId);
                } else {
                    listener.onData(streamId, data, true);
                }
            }
            case ControlEvents.STREAM_CLOSE -> listener.onStreamClosed(event.getInt(body));
            case ControlEvents.HOT_RESTART, ControlEvents.HOT_RESTART_ACK ->
                    close("the peer started a hot restart, which this side does not take part in; reconnecting");
            default -> close("unexpected " + ControlEvents.name(type) + " after the handshake");
        }
    }

    /**
     * Drains the receive queue until the working flag can be cleared (shmipc-go's {@code handlePolling});
     * when the loop polls, drains it once and keeps the flag, to be polled for the window.
     */
    private void drain() {
        IoQueue queue = queues.receive();
        if (polling) { // the flag is held: the loop keeps polling, and clears it when it stops
            drainQueue(queue);
            dataSeen();
            return;
        }
        if (poller != null && drainQueue(queue) > 0 && dataSeen()) {
            return;
        }
        do {
            drainQueue(queue);
        } while (state == State.READY && !queue.markNotWorking());
    }

    /** Hands every element waiting to the listener; returns how many there were. */
    private int drainQueue(IoQueue queue) {
        int n = 0;
        while (state == State.READY && queue.pop(element)) {
            n++;
            int streamId = element[0];
            int offset = element[1];
            int status = element[2] & 0xFF;
            if (status == STREAM_CLOSED) {
                listener.onStreamClosed(streamId);
            } else {
                deliver(streamId, offset);
            }
        }
        return n;
    }

    /**
     * This session sent or received data: it is polled until {@link ShmipcConfig#pollWindow()} from now,
     * holding its receive queue's working flag meanwhile so that the peer sends no wake-up. False when it
     * is not polled (no polling loop, or the loop backs off).
     */
    private boolean dataSeen() {
        if (poller == null || state != State.READY) {
            return false;
        }
        long now = System.nanoTime();
        if (!polling && poller.suspended(now)) {
            return false; // the loop backs off: the peer wakes this side over the socket meanwhile
        }
        pollUntil = now + config.pollWindow().toNanos();
        poller.sawData(now);
        if (!polling) {
            polling = true;
            queues.receive().holdWorking();
            poller.poll(this);
        }
        return true;
    }

    /**
     * One poll by the event loop's {@link PollingIoHandler}: drains the receive queue; returns how many
     * elements it handled, or -1 when this session is no longer polled (closed, or its window passed
     * and its working flag could be cleared with the queue empty).
     */
    int pollQueue(long now) {
        if (state != State.READY) {
            polling = false;
            return -1;
        }
        try {
            IoQueue queue = queues.receive();
            int n = drainQueue(queue);
            if (state != State.READY) {
                return stopPolling();
            }
            if (n > 0) {
                pollUntil = now + config.pollWindow().toNanos();
                poller.sawData(now);
                context.fireChannelReadComplete();
                return n;
            }
            if (now - pollUntil < 0 && !poller.suspended(now)) {
                return 0;
            }
            // The window passed (or the loop backs off): clear the flag, unless data arrived meanwhile (then
            // the next poll takes it).
            return queue.markNotWorking() ? stopPolling() : 0;
        } catch (ShmipcException | IndexOutOfBoundsException | InternalError e) {
            closeBroken(e);
            return stopPolling();
        }
    }

    private int stopPolling() {
        polling = false;
        return -1;
    }

    /** Whether the event loop is polling this session's receive queue right now (its working flag held); any thread. */
    public boolean isPolling() {
        return polling;
    }

    /** Polling events this side has written to wake the peer; any thread. */
    public long wakeupsSent() {
        return wakeupsSent;
    }

    /** Polling events the peer has written to wake this side; any thread. */
    public long wakeupsReceived() {
        return wakeupsReceived;
    }

    private void deliver(int streamId, int first) {
        BufferManager bm = buffers;
        long bytes = bm.checkChain(first);
        ByteBuf data;
        if (!bm.hasNext(first)) {
            data = Unpooled.wrappedBuffer(bm.memory().view(BufferManager.data(first) + bm.start(first), (int) bytes));
        } else {
            CompositeByteBuf composite = Unpooled.compositeBuffer(Integer.MAX_VALUE);
            for (int slice = first; ; slice = bm.next(slice)) {
                int size = bm.size(slice);
                if (size > 0) {
                    composite.addComponent(true, Unpooled.wrappedBuffer(
                            bm.memory().view(BufferManager.data(slice) + bm.start(slice), size)));
                }
                if (!bm.hasNext(slice)) {
                    break;
                }
            }
            data = composite;
        }
        try {
            listener.onData(streamId, data, false);
        } finally {
            data.release();
            bm.recycleChain(first);
        }
    }

    // ------------------------------------------------------------------ sending (event loop)

    /**
     * Puts a flushed chain of slices on the send queue; false when the queue is full (the caller then
     * falls back to the socket and keeps the slices). The peer is woken at the next {@link #flush()}.
     */
    public boolean sendSlices(int streamId, int firstSlice) {
        if (state != State.READY || !queues.send().put(streamId, firstSlice, STREAM_OPENED)) {
            return false;
        }
        wakePending = true;
        return true;
    }

    /**
     * Sends the readable bytes of {@code data} on {@code streamId}, copied into a chain of slices, or over
     * the socket when the slices or the queue run out; takes ownership of {@code data}. Returns whether it
     * went through shared memory.
     */
    public boolean sendCopy(int streamId, ByteBuf data) {
        BufferManager bm = buffers;
        int length = data.readableBytes();
        int first = state == State.READY ? bm.allocateChain(length) : -1;
        if (first < 0) {
            sendFallback(streamId, data);
            return false;
        }
        int from = data.readerIndex();
        for (int slice = first; ; slice = bm.next(slice)) {
            int n = Math.min(bm.capacity(slice), data.writerIndex() - from);
            bm.memory().put(BufferManager.data(slice), data.nioBuffer(from, n));
            bm.setData(slice, 0, n);
            from += n;
            if (!bm.hasNext(slice)) {
                break;
            }
        }
        data.release();
        if (sendSlices(streamId, first)) {
            return true;
        }
        ByteBuf copy = ALLOC.buffer(length);
        for (int slice = first; ; slice = bm.next(slice)) {
            copy.writeBytes(bm.memory().view(BufferManager.data(slice) + bm.start(slice), bm.size(slice)));
            if (!bm.hasNext(slice)) {
                break;
            }
        }
        bm.recycleChain(first);
        sendFallback(streamId, copy);
        return false;
    }

    /** Sends {@code data} on {@code streamId} over the socket (fallback); takes ownership of {@code data}. */
    public void sendFallback(int streamId, ByteBuf data) {
        if (state != State.READY) {
            data.release();
            return;
        }
        markUnhealthy();
        write(ControlEvents.fallbackHeader(ALLOC, version, streamId, STREAM_OPENED, data.readableBytes()));
        write(data);
    }

    /** Tells the peer {@code streamId} is closed: a queue element, or a StreamClose event when the queue is full. */
    public void sendStreamClose(int streamId) {
        if (state != State.READY) {
            return;
        }
        if (queues.send().put(streamId, 0, STREAM_CLOSED)) {
            wakePending = true;
        } else {
            write(ControlEvents.streamClose(ALLOC, version, streamId));
        }
    }

    /** Wakes the peer if this batch put anything on its queue and it is idle, and flushes the socket. */
    public void flush() {
        wakePeerIfPending();
        channel.flush();
    }

    /**
     * Writes (without flushing) the Polling event that wakes the peer, if this batch put anything on its
     * queue and the peer's working flag was clear: one wake-up per batch, none while the peer is working
     * or polling. Returns whether it wrote one.
     */
    public boolean wakePeerIfPending() {
        if (!wakePending || state != State.READY) {
            return false;
        }
        wakePending = false;
        boolean wake = queues.send().markWorking();
        if (wake) {
            wakeupsSent++; // only this event loop writes it
            write(ControlEvents.bare(ALLOC, version, ControlEvents.POLLING));
        }
        dataSeen(); // an answer is likely to follow: poll for it rather than wait for a wake-up
        return wake;
    }

    /** The session's handler context (a transport above fires what it decoded from here). */
    public ChannelHandlerContext context() {
        return context;
    }

    private void write(ByteBuf event) {
        channel.write(event, channel.voidPromise());
    }

    // ------------------------------------------------------------------ closing

    /** Closes the session with a logged reason; idempotent. */
    public void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
            if (!client || state != State.READY) {
                log.warn("closing shmipc session {}: {}", channel, reason);
            } else {
                log.debug("closing shmipc session {}: {}", channel, reason);
            }
        }
        channel.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed(closeReason != null ? closeReason : "peer closed the control connection");
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        closed(closeReason != null ? closeReason : "session removed");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        close(cause instanceof IOException ? "control connection failed: " + cause.getMessage() : cause.toString());
    }

    private void closed(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        ready = false;
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        try {
            listener.onClosed(reason);
        } finally {
            if (client) {
                clientMemory.close();
            } else {
                if (queues != null) {
                    queues.close();
                }
                if (serverBufferPath != null) {
                    serverMemory.release(serverBufferPath);
                }
            }
        }
    }
}
