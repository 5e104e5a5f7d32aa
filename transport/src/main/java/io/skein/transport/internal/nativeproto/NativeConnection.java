package io.skein.transport.internal.nativeproto;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.frame.PayloadFrame;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.Connection;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A native-protocol connection: frames from any thread go out through one queue, drained by one
 * event-loop task that writes them all and flushes once (one syscall for many answers instead of one
 * each; the order in which a thread wrote is the order on the wire). Clients allocate stream ids here.
 */
final class NativeConnection extends Connection {

    @Override
    public String protocol() {
        return "skein";
    }


    private final AtomicInteger nextStreamId = new AtomicInteger(1);
    private final Queue<SkeinFrame> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drain = this::drainOutbound;
    // Payload bytes of the frames in `outbound` (headers not counted): what the write queue holds ahead of the channel.
    private final AtomicLong outboundBytes = new AtomicLong();

    NativeConnection(Channel channel, TransportSettings settings, int maxActiveCalls) {
        super(channel, settings, maxActiveCalls);
    }

    /** A native handler flushes at the end of every read: a batch of unary requests wakes its service once. */
    @Override
    protected boolean batchesHandOffs() {
        return true;
    }

    @Override
    public boolean isUsable() {
        return super.isUsable() && nextStreamId.get() < Integer.MAX_VALUE - 2;
    }

    @Override
    public void sendGoAway(String reason) {
        // On the event loop, where calls register: every call registered before this names itself in the
        // GOAWAY, and one read after it meets a draining connection (when the caller drained it first) and is
        // refused, so the peer may resend whatever is above lastStreamId.
        // Written out in the same task (after the frames queued before it), so that a close queued behind it
        // cannot overtake it.
        channel().eventLoop().execute(() -> {
            write(new SkeinFrame.GoAway(lastStreamId(), reason));
            drainOutbound();
        });
    }

    int allocateStreamId() {
        return nextStreamId.getAndIncrement();
    }

    /** Writes and flushes a frame from any thread; a frame written after close is released. */
    void write(SkeinFrame frame) {
        if (isClosed()) {
            ReferenceCountUtil.release(frame);
            return;
        }
        outboundBytes.addAndGet(payloadBytes(frame));
        outbound.offer(frame);
        observeWriteQueue();
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                channel().eventLoop().execute(drain);
            } catch (RejectedExecutionException e) {
                drain.run(); // event loop gone: the writes fail and release their frames
            }
        }
    }

    @Override
    protected long unwrittenBytes() {
        return Math.max(0, outboundBytes.get());
    }

    private static int payloadBytes(SkeinFrame frame) {
        return frame instanceof PayloadFrame p ? p.payload().readableBytes() : 0;
    }

    private void drainOutbound() {
        drainScheduled.set(false);
        boolean wrote = false;
        for (SkeinFrame f; (f = outbound.poll()) != null; ) {
            outboundBytes.addAndGet(-payloadBytes(f));
            channel().write(f, channel().voidPromise());
            wrote = true;
        }
        if (wrote) {
            channel().flush();
        }
    }
}
