package io.skein.transport.internal.call;

import io.netty.channel.Channel;
import io.netty.util.collection.IntObjectHashMap;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.TransportSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.annotation.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one connection's protocol handler, its connection actor and its calls share, whatever the
 * protocol: the live calls by stream id, whether the connection still takes new calls (drain), and
 * connection-level backpressure. Each protocol subclasses it for what only it knows (how GOAWAY is
 * said, how frames are written).
 *
 * <p>Threads: the call map is touched on the channel's event loop only ({@link #register},
 * {@link #fireWritable}, {@link #fireClosed}; {@link #unregister} hops there); the flags are volatile
 * and may be read anywhere. Invariant: {@link #activeCalls()} equals the number of registered calls.
 */
@InternalApi
public abstract class Connection {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private final Channel channel;
    private final TransportSettings settings;
    private final IntObjectHashMap<CallListener> calls = new IntObjectHashMap<>();
    private final AtomicInteger activeCalls = new AtomicInteger();
    private final int maxActiveCalls;
    private volatile boolean closed;
    private volatile boolean draining;
    private volatile Runnable onIdle;
    private volatile int lastStreamId;

    /**
     * @param maxActiveCalls calls in flight above which the channel stops reading until calls finish
     *                       ({@link Integer#MAX_VALUE} on clients)
     */
    protected Connection(Channel channel, TransportSettings settings, int maxActiveCalls) {
        this.channel = channel;
        this.settings = settings;
        this.maxActiveCalls = maxActiveCalls;
    }

    public final Channel channel() {
        return channel;
    }

    public final TransportSettings settings() {
        return settings;
    }

    /** Calls in flight on this connection. */
    public final int activeCalls() {
        return activeCalls.get();
    }

    public final boolean isClosed() {
        return closed;
    }

    /** Whether this connection may carry a new call (open, not draining). */
    public boolean isUsable() {
        return !closed && !draining && channel.isActive();
    }

    /** No new calls from now on; {@code whenIdle} runs (on the event loop) once no call is in flight. */
    public final void drain(Runnable whenIdle) {
        draining = true;
        onIdle = whenIdle;
        channel.eventLoop().execute(this::checkIdle);
    }

    public final boolean isDraining() {
        return draining;
    }

    /** The name of this connection's protocol ({@code skein}, {@code grpc}), for observers and logs. */
    public abstract String protocol();

    /** Tells the peer, in this connection's protocol, that no new calls will be taken here. */
    public abstract void sendGoAway(String reason);

    /** The highest stream id registered so far. */
    public final int lastStreamId() {
        return lastStreamId;
    }

    /** Registers a call; on the event loop. Returns false when the connection is closed. */
    public final boolean register(int streamId, CallListener call) {
        assert channel.eventLoop().inEventLoop();
        if (closed) {
            return false;
        }
        calls.put(streamId, call);
        lastStreamId = Math.max(lastStreamId, streamId);
        if (activeCalls.incrementAndGet() >= maxActiveCalls && channel.config().isAutoRead()) {
            // Too much in flight: stop reading until calls finish (connection-level backpressure).
            channel.config().setAutoRead(false);
        }
        return true;
    }

    /** Removes a call if {@code call} is still the one registered under {@code streamId}; any thread. */
    public final void unregister(int streamId, CallListener call) {
        if (channel.eventLoop().inEventLoop()) {
            unregister0(streamId, call);
        } else {
            channel.eventLoop().execute(() -> unregister0(streamId, call));
        }
    }

    private void unregister0(int streamId, CallListener call) {
        if (calls.get(streamId) == call) {
            calls.remove(streamId);
            if (activeCalls.decrementAndGet() < maxActiveCalls && !channel.config().isAutoRead() && !closed) {
                channel.config().setAutoRead(true);
            }
            checkIdle();
        }
    }

    private void checkIdle() {
        Runnable idle = onIdle;
        if (draining && idle != null && calls.isEmpty()) {
            onIdle = null;
            idle.run();
        }
    }

    /** The call registered under {@code streamId}, or {@code null}; on the event loop. */
    public final CallListener call(int streamId) {
        return calls.get(streamId);
    }

    /** Tells every call the channel is writable again; on the event loop. */
    public final void fireWritable() {
        if (calls.isEmpty()) {
            return;
        }
        for (CallListener c : new ArrayList<>(calls.values())) {
            c.onEvent(StreamEvent.WRITABLE);
        }
    }

    /** Ends every call with UNAVAILABLE {@code reason}; on the event loop, once, when the channel closes. */
    public final void fireClosed(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        List<CallListener> live = new ArrayList<>(calls.values());
        calls.clear();
        activeCalls.addAndGet(-live.size());
        StreamEvent.Closed event = new StreamEvent.Closed(Status.of(StatusCode.UNAVAILABLE, reason));
        for (CallListener c : live) {
            try {
                c.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("call failed to handle its connection's close", e);
            }
        }
        closedHook();
        Runnable idle = onIdle;
        onIdle = null;
        if (idle != null) {
            idle.run();
        }
    }

    /** What a protocol releases once the connection closed (queued writes); on the event loop. */
    protected void closedHook() {
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + channel;
    }
}
