package io.skein.transport.internal;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.TransportSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state one channel shares between its Netty handler, its connection actor and its call streams:
 * the live streams by id (touched on the event loop only), the next stream id, and whether the
 * connection still takes new calls.
 */
public final class Connection {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private final Channel channel;
    private final TransportSettings settings;
    private final IntObjectHashMap<WireStream> streams = new IntObjectHashMap<>();
    private final AtomicInteger nextStreamId = new AtomicInteger(1);
    private final AtomicInteger activeCalls = new AtomicInteger();
    private volatile boolean closed;
    private volatile boolean draining;
    private volatile Runnable onIdle;
    private volatile int lastStreamId;
    // Client side: whether the server speaks the whole Skein protocol (streams, resets), or is a Kitex
    // server that knows only unary TTHeader calls and drops a connection on any other frame.
    private final boolean skeinPeer;

    private final int maxActiveCalls;
    private final java.util.Queue<SkeinFrame> outbound = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean drainScheduled = new java.util.concurrent.atomic.AtomicBoolean();
    private final Runnable drain = this::drainOutbound;
    private volatile java.util.function.Consumer<String> goAwaySender =
            reason -> write(new SkeinFrame.GoAway(lastStreamId, reason));

    Connection(Channel channel, TransportSettings settings, int maxActiveCalls) {
        this(channel, settings, maxActiveCalls, true);
    }

    Connection(Channel channel, TransportSettings settings, int maxActiveCalls, boolean skeinPeer) {
        this.channel = channel;
        this.settings = settings;
        this.maxActiveCalls = maxActiveCalls;
        this.skeinPeer = skeinPeer;
    }

    public Channel channel() {
        return channel;
    }

    TransportSettings settings() {
        return settings;
    }

    /** Calls in flight on this connection. */
    public int activeCalls() {
        return activeCalls.get();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Whether this connection may carry a new call (open, not draining, id space left). */
    public boolean isUsable() {
        return !closed && !draining && channel.isActive() && nextStreamId.get() < Integer.MAX_VALUE - 2;
    }

    /** No new calls from now on; {@code whenIdle} runs (on the event loop) once no call is in flight. */
    void drain(Runnable whenIdle) {
        draining = true;
        onIdle = whenIdle;
        channel.eventLoop().execute(this::checkIdle);
    }

    boolean isDraining() {
        return draining;
    }

    /**
     * Client side: whether the server speaks the whole Skein protocol. A Kitex server takes any
     * payload-less TTHeader frame (such as the StreamReset that cancels a unary call) for a corrupt
     * request and closes the connection, so such frames go only to Skein servers.
     */
    boolean isSkeinPeer() {
        return skeinPeer;
    }

    /**
     * Tells the peer no new calls will be taken on this connection, in the connection's protocol
     * (native: a GoAway frame; HTTP/2: a GOAWAY frame).
     */
    void sendGoAway(String reason) {
        goAwaySender.accept(reason);
    }

    /** Replaces how GOAWAY is sent (the HTTP/2 pipeline sets its own). */
    void goAwaySender(java.util.function.Consumer<String> sender) {
        this.goAwaySender = sender;
    }

    /** The highest stream id registered so far. */
    int lastStreamId() {
        return lastStreamId;
    }

    int allocateStreamId() {
        return nextStreamId.getAndIncrement();
    }

    /** Registers a stream; must run on the event loop. Returns false when the connection is closed. */
    boolean register(int streamId, WireStream stream) {
        assert channel.eventLoop().inEventLoop();
        if (closed) {
            return false;
        }
        streams.put(streamId, stream);
        lastStreamId = Math.max(lastStreamId, streamId);
        if (activeCalls.incrementAndGet() >= maxActiveCalls && channel.config().isAutoRead()) {
            // Too much in flight: stop reading until calls finish (connection-level backpressure).
            channel.config().setAutoRead(false);
        }
        return true;
    }

    /** Removes a stream; safe from any thread. */
    void unregister(int streamId, WireStream stream) {
        if (channel.eventLoop().inEventLoop()) {
            unregister0(streamId, stream);
        } else {
            channel.eventLoop().execute(() -> unregister0(streamId, stream));
        }
    }

    private void unregister0(int streamId, WireStream stream) {
        if (streams.get(streamId) == stream) {
            streams.remove(streamId);
            if (activeCalls.decrementAndGet() < maxActiveCalls && !channel.config().isAutoRead() && !closed) {
                channel.config().setAutoRead(true);
            }
            checkIdle();
        }
    }

    private void checkIdle() {
        Runnable idle = onIdle;
        if (draining && idle != null && streams.isEmpty()) {
            onIdle = null;
            idle.run();
        }
    }

    WireStream stream(int streamId) {
        return streams.get(streamId);
    }

    /** Writes and flushes a frame from any thread; a frame written after close is released. */
    void write(SkeinFrame frame) {
        if (closed) {
            ReferenceCountUtil.release(frame);
            return;
        }
        // Frames from every thread go through one queue, drained by one event-loop task that writes
        // them all and flushes once: one syscall for many answers instead of one each, and the order
        // in which a thread wrote is the order on the wire.
        outbound.offer(frame);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                drain.run(); // event loop gone: the writes fail and release their frames
            }
        }
    }

    private void drainOutbound() {
        drainScheduled.set(false);
        boolean wrote = false;
        for (SkeinFrame f; (f = outbound.poll()) != null; ) {
            channel.write(f, channel.voidPromise());
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** Tells every stream the channel is writable again; on the event loop. */
    void fireWritable() {
        if (streams.isEmpty()) {
            return;
        }
        for (WireStream s : new ArrayList<>(streams.values())) {
            s.onWritable();
        }
    }

    /** Ends every call with UNAVAILABLE; on the event loop, once, when the channel closes. */
    void fireClosed(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        List<WireStream> live = new ArrayList<>(streams.values());
        streams.clear();
        activeCalls.addAndGet(-live.size());
        Status status = Status.of(StatusCode.UNAVAILABLE, reason);
        for (WireStream s : live) {
            try {
                s.onConnectionClosed(status);
            } catch (RuntimeException e) {
                log.warn("stream failed to handle connection close", e);
            }
        }
        Runnable idle = onIdle;
        onIdle = null;
        if (idle != null) {
            idle.run();
        }
    }

    @Override
    public String toString() {
        return "Connection" + channel;
    }
}
