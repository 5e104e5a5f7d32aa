package io.skein.transport.internal.call;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.collection.IntObjectHashMap;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallRefusals;
import io.skein.transport.TransportSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.annotation.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one connection's protocol handler, its connection actor and its calls share, whatever the
 * protocol: the live calls by stream id, whether the connection still takes new calls (drain), and
 * connection-level backpressure. Each protocol subclasses it for what only it knows (how GOAWAY is
 * said, how frames are written).
 *
 * <p>Reading pauses (auto-read off) while any reason holds: too many calls in flight, or too many answer
 * bytes queued for a peer that does not read them ({@link #pauseForWriteQueue}); it resumes when the last
 * reason clears.
 *
 * <p>Threads: the call map and the read pauses are touched on the channel's event loop only
 * ({@link #register}, {@link #fireWritable}, {@link #fireClosed}; {@link #unregister} hops there); the
 * flags are volatile and may be read anywhere. Invariant: {@link #activeCalls()} equals the number of
 * registered calls.
 */
@InternalApi
public abstract class Connection {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private final Channel channel;
    private final TransportSettings settings;
    private final IntObjectHashMap<CallListener> calls = new IntObjectHashMap<>();
    private final AtomicInteger activeCalls = new AtomicInteger();
    private final AtomicLong peakQueuedWriteBytes = new AtomicLong();
    private final int maxActiveCalls;
    private final HandOffs handOffs = new HandOffs();
    private volatile boolean closed;
    private volatile boolean draining;
    private volatile Runnable onIdle;
    private volatile int lastStreamId;
    // The last stream id the peer's GOAWAY said it took (Integer.MAX_VALUE until one arrives): a call above
    // it that is still open when the connection closes never reached the peer's services.
    private volatile int peerLastStreamId = Integer.MAX_VALUE;
    // Why reading is paused (event loop only): a bit per reason.
    private int readPauses;
    private static final int TOO_MANY_CALLS = 1;
    private static final int WRITE_QUEUE_FULL = 2;

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

    /**
     * The peer sent GOAWAY: it took no call above {@code lastStreamId} (a server refuses those explicitly while
     * it drains, but one it had not read when it closed gets no answer at all). A call above it still open when
     * the connection closes ends with a refusal that may be sent again elsewhere
     * ({@link CallRefusals#closedAfterGoAway}), as HTTP/2's GOAWAY allows. On the event loop.
     */
    public final void peerWentAway(int lastStreamId) {
        peerLastStreamId = Math.min(peerLastStreamId, lastStreamId);
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
        if (activeCalls.incrementAndGet() >= maxActiveCalls) {
            // Too much in flight: stop reading until calls finish (connection-level backpressure).
            pauseReading(TOO_MANY_CALLS);
        }
        return true;
    }

    /**
     * Bytes of answers queued on this connection and not yet written to its socket: the channel's
     * outbound buffer plus what the protocol still holds ({@link #unwrittenBytes}). Any thread.
     */
    public final long queuedWriteBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return (buffer == null ? 0 : buffer.totalPendingWriteBytes()) + unwrittenBytes();
    }

    /**
     * The most answer bytes this connection ever had queued and unwritten, as far as its protocol reports
     * it ({@link #observeWriteQueue}; the native protocol does on every frame it queues). Any thread.
     */
    public final long peakQueuedWriteBytes() {
        return peakQueuedWriteBytes.get();
    }

    /** Records the write queue's size after something was queued; any thread. */
    protected final void observeWriteQueue() {
        long now = queuedWriteBytes();
        if (now > peakQueuedWriteBytes.get()) {
            peakQueuedWriteBytes.accumulateAndGet(now, Math::max);
        }
    }

    /** Bytes the protocol has queued ahead of the channel (a write queue of its own); 0 by default. */
    protected long unwrittenBytes() {
        return 0;
    }

    /**
     * Stops reading this connection until its write queue drains (the channel turns writable again); on
     * the event loop. Returns false if it was already paused for that.
     */
    public final boolean pauseForWriteQueue() {
        assert channel.eventLoop().inEventLoop();
        if ((readPauses & WRITE_QUEUE_FULL) != 0) {
            return false;
        }
        pauseReading(WRITE_QUEUE_FULL);
        // The writability event resumes it once the channel's buffer, past its high-water mark, drains. If
        // the bytes sat in the protocol's own queue instead, the channel may never turn unwritable: check.
        channel.eventLoop().execute(this::recheckWriteQueue);
        return true;
    }

    private void recheckWriteQueue() {
        if ((readPauses & WRITE_QUEUE_FULL) == 0 || closed || !channel.isWritable()) {
            return; // resumed, gone, or the writability event will resume it
        }
        if (queuedWriteBytes() <= settings.writeBufferLowWaterMark()) {
            resumeReading(WRITE_QUEUE_FULL);
        } else {
            channel.eventLoop().schedule(this::recheckWriteQueue, 1, TimeUnit.MILLISECONDS);
        }
    }

    /** Whether reading is paused for a full write queue (event loop only; tests and stats). */
    public final boolean isPausedForWriteQueue() {
        return (readPauses & WRITE_QUEUE_FULL) != 0;
    }

    private void pauseReading(int reason) {
        if (readPauses == 0) {
            channel.config().setAutoRead(false);
        }
        readPauses |= reason;
    }

    private void resumeReading(int reason) {
        if ((readPauses & reason) == 0) {
            return;
        }
        readPauses &= ~reason;
        if (readPauses == 0 && !closed) {
            channel.config().setAutoRead(true);
        }
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
            if (activeCalls.decrementAndGet() < maxActiveCalls) {
                resumeReading(TOO_MANY_CALLS);
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

    /** Tells every call the channel is writable again, and reads again if a full write queue paused it; on the event loop. */
    public final void fireWritable() {
        resumeReading(WRITE_QUEUE_FULL);
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
        int peerLast = peerLastStreamId;
        StreamEvent.Closed event = new StreamEvent.Closed(Status.of(StatusCode.UNAVAILABLE, reason));
        StreamEvent.Closed notTaken = new StreamEvent.Closed(CallRefusals.closedAfterGoAway());
        List<Map.Entry<CallListener, StreamEvent.Closed>> live = new ArrayList<>(calls.size());
        calls.forEach((id, call) -> live.add(Map.entry(call, id > peerLast ? notTaken : event)));
        calls.clear();
        activeCalls.addAndGet(-live.size());
        for (Map.Entry<CallListener, StreamEvent.Closed> c : live) {
            try {
                c.getKey().onEvent(c.getValue());
            } catch (RuntimeException e) {
                log.warn("call failed to handle its connection's close", e);
            }
        }
        handOffs.flush(); // the calls it held were just ended: their hand-overs see that and do nothing
        closedHook();
        Runnable idle = onIdle;
        onIdle = null;
        if (idle != null) {
            idle.run();
        }
    }

    /**
     * Hands a call over to its service: on {@code executor} together with the other calls of this read when
     * the protocol {@linkplain #batchesHandOffs batches} hand-overs (the handler then calls
     * {@link #flushHandOffs()} when the read ends), otherwise right here, as when {@code executor} is null.
     * On the event loop.
     */
    public final void handOff(Executor executor, Runnable task) {
        if (executor == null || !batchesHandOffs() || closed) {
            task.run();
        } else {
            handOffs.add(executor, task);
        }
    }

    /** The read has ended: the calls it completed go to their service as one task ({@link HandOffs}); on the event loop. */
    public final void flushHandOffs() {
        handOffs.flush();
    }

    /**
     * Whether this protocol's handler holds the calls a read completes until the read ends
     * ({@link #handOff}); it must then call {@link #flushHandOffs()} at the end of every read. False by default.
     */
    protected boolean batchesHandOffs() {
        return false;
    }

    /** What a protocol releases once the connection closed (queued writes); on the event loop. */
    protected void closedHook() {
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + channel;
    }
}
