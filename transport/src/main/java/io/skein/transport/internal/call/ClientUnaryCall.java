package io.skein.transport.internal.call;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallFuture;
import io.skein.transport.ClientCallContext;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.ResponseMetadata;
import io.skein.transport.observe.CallProbe;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.apache.pekko.annotation.InternalApi;

/**
 * One unary call on a client, whatever the protocol: serializes the request on the caller's thread,
 * opens the call on a {@link ClientTransport} and completes the caller's {@link CallFuture} with the
 * response, the deadline, a cancel or the connection's end, whichever comes first.
 *
 * <p>The deadline is the {@link ClientCallContext}'s, fixed when the call was made: when no connection
 * is ready the call waits for one under a timer of its own, so a pool that never answers still ends
 * the call at its deadline. Cancellation arrives through the context from any thread.
 *
 * <p>Threads: {@link StreamEvent}s and {@link #onOpened} on the transport's I/O thread; cancel, the
 * acquisition timer and {@link #start} anywhere. The future's single settlement decides the outcome;
 * the stream is reset at most once.
 *
 * @param <Resp> the response type
 */
@InternalApi
public final class ClientUnaryCall<Resp> implements CallListener, Consumer<Status> {

    private static final AtomicIntegerFieldUpdater<ClientUnaryCall> RESET =
            AtomicIntegerFieldUpdater.newUpdater(ClientUnaryCall.class, "resetSent");
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<ClientUnaryCall, ByteBuf> UNSENT =
            AtomicReferenceFieldUpdater.newUpdater(ClientUnaryCall.class, ByteBuf.class, "unsent");

    private final ClientCallContext context;
    private final MethodDescriptor<?, Resp> method;
    private final CallFuture<Resp> future;
    private final ResponseMetadata capture;
    private final CallProbe probe; // this wire call's; ended once, when the future settles
    private volatile ClientStream stream;
    private volatile ScheduledFuture<?> timer;
    private volatile int resetSent;
    private volatile ByteBuf unsent; // the request while the call waits for a connection
    private volatile EventLoop loop; // the I/O thread of the transport the call was opened on
    private boolean compressRequest = true; // set before the call is opened
    // I/O thread only:
    private Resp response;
    private Status failure;
    private boolean hasResponse;

    private ClientUnaryCall(ClientCallContext context, MethodDescriptor<?, Resp> method, CallProbe probe) {
        this.context = context;
        this.method = method;
        this.probe = probe;
        this.future = new CallFuture<>(context);
        this.capture = context.responseMetadata();
    }

    /**
     * Starts the unary call of {@code context} with {@code request} on a transport from {@code source};
     * returns the caller's future at once.
     *
     * @param maxMessageSize the largest serialized request the protocol carries
     * @param timers         where the deadline timer runs while no connection is ready yet
     */
    public static <Req, Resp> CallFuture<Resp> start(ClientCallContext context, MethodDescriptor<Req, Resp> method,
                                                     Req request, TransportSource source, int maxMessageSize,
                                                     EventExecutorGroup timers) {
        return start(context, method, request, source, maxMessageSize, timers, CallProbe.NONE);
    }

    /**
     * {@link #start(ClientCallContext, MethodDescriptor, Object, TransportSource, int, EventExecutorGroup)}
     * observed by {@code probe}: it hears the request and response sizes, adds its propagation metadata
     * to the request, and is ended exactly once when the call's future settles.
     */
    public static <Req, Resp> CallFuture<Resp> start(ClientCallContext context, MethodDescriptor<Req, Resp> method,
                                                     Req request, TransportSource source, int maxMessageSize,
                                                     EventExecutorGroup timers, CallProbe probe) {
        ClientUnaryCall<Resp> call = new ClientUnaryCall<>(context, method, probe);
        if (method.kind() != CallKind.UNARY) {
            call.fail(Status.of(StatusCode.INTERNAL, method.fullName() + " is " + method.kind() + ", not unary"));
            return call.future;
        }
        ByteBuf payload;
        try {
            if (context.options().compression() != null) {
                call.compressRequest = context.options().messageCompression().test(request);
            }
            payload = method.requests().serialize(request, ByteBufAllocator.DEFAULT);
        } catch (RuntimeException e) {
            call.fail(Status.of(StatusCode.INTERNAL, "cannot serialize request of " + method.fullName() + ": " + e));
            return call.future;
        }
        if (payload.readableBytes() > maxMessageSize) {
            int size = payload.readableBytes();
            payload.release();
            call.fail(Status.of(StatusCode.RESOURCE_EXHAUSTED, "request of " + size + " bytes exceeds the limit of "
                    + maxMessageSize));
            return call.future;
        }
        context.onCancel(call); // the call is its own cancel listener: no allocation per call
        if (call.future.isSettled()) { // cancelled before it started
            payload.release();
            return call.future;
        }
        if (context.hasDeadline() && context.deadlineNanos() - System.nanoTime() <= 0) {
            payload.release();
            call.fail(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of " + call.timeoutMillis()
                    + " ms exceeded before sending"));
            return call.future;
        }
        ClientTransport ready = source.ready();
        if (ready != null) {
            call.openOn(ready, payload);
            return call.future;
        }
        // No connection yet: the deadline covers the wait, whatever the pool does, and a call that ends
        // meanwhile releases its request at once rather than when (if ever) a connection comes.
        call.unsent = payload;
        if (context.hasDeadline()) {
            call.armTimer(timers.next(), context.deadlineNanos() - System.nanoTime());
        }
        source.acquire().whenComplete((transport, err) -> {
            ByteBuf bytes = UNSENT.getAndSet(call, null);
            if (bytes == null) {
                return; // the call already ended and released it
            }
            if (err != null) {
                bytes.release();
                call.fail(Status.fromThrowable(err));
            } else {
                call.openOn(transport, bytes);
            }
        });
        return call.future;
    }

    private void openOn(ClientTransport transport, ByteBuf payload) {
        if (future.isSettled()) {
            payload.release();
            return;
        }
        loop = transport.connection().channel().eventLoop();
        context.remoteAddress(transport.connection().channel().remoteAddress());
        probe.messageSent(payload.readableBytes());
        transport.open(new ClientCallHead(method.fullName(), CallKind.UNARY, probe.outbound(context.metadata()),
                context.deadlineNanos(), Integer.MAX_VALUE, context.options().compression(), compressRequest),
                payload, this);
    }

    private long timeoutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(context.deadlineNanos() - context.startNanos());
    }

    private void armTimer(io.netty.util.concurrent.EventExecutor executor, long delayNanos) {
        timer = executor.schedule(this::expire, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    private void expire() {
        if (fail(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of " + timeoutMillis() + " ms exceeded"))) {
            resetStream(StatusCode.DEADLINE_EXCEEDED, "client deadline exceeded");
        }
    }

    /** The context was cancelled (any thread). */
    @Override
    public void accept(Status status) {
        if (fail(status)) {
            resetStream(status.code() == StatusCode.DEADLINE_EXCEEDED ? StatusCode.DEADLINE_EXCEEDED
                    : StatusCode.CANCELLED, status.message());
        }
    }

    private void resetStream(StatusCode code, String reason) {
        ClientStream s = stream;
        if (s != null && RESET.compareAndSet(this, 0, 1)) {
            s.reset(code, reason);
            s.detach(this);
        }
    }

    @Override
    public void onOpened(ClientStream opened) {
        stream = opened;
        if (future.isSettled()) {
            // Ended (deadline, cancel) while the call was being opened: end it on the wire too.
            resetStream(StatusCode.CANCELLED, "client stopped the call");
            return;
        }
        if (timer == null && context.hasDeadline()) {
            armTimer(loop, context.deadlineNanos() - System.nanoTime());
        }
    }

    @Override
    public void onEvent(StreamEvent event) {
        if (event instanceof StreamEvent.Headers h) {
            if (capture != null) {
                capture.completeHeaders(h.metadata());
            }
        } else if (event instanceof StreamEvent.Message m) {
            onResponse(m.payload(), m.compressed());
        } else if (event instanceof StreamEvent.Trailers t) {
            ended();
            if (capture != null) {
                capture.completeTrailers(t.metadata());
            }
            if (!t.status().isOk()) {
                fail(t.status());
            } else if (failure != null) {
                fail(failure);
            } else if (!hasResponse) {
                fail(Status.of(StatusCode.INTERNAL, "unary call " + method.fullName() + " ended OK without a response"));
            } else {
                Resp value = response;
                response = null;
                cancelTimer();
                if (future.succeed(value)) {
                    probe.ended(Status.OK);
                }
            }
        } else if (event instanceof StreamEvent.Reset r) {
            ended();
            fail(r.status());
        } else if (event instanceof StreamEvent.Closed c) {
            ended();
            fail(c.status());
        } else if (event instanceof StreamEvent.Failed f) {
            if (fail(f.status())) {
                resetStream(StatusCode.CANCELLED, f.status().message());
            }
        }
    }

    private void onResponse(ByteBuf payload, boolean compressed) {
        if (hasResponse || failure != null) {
            failure = Status.of(StatusCode.INTERNAL, "unary call " + method.fullName() + " got more than one response");
            response = null;
            return;
        }
        probe.messageReceived(payload.readableBytes());
        try {
            response = method.responses().parse(payload);
            hasResponse = true;
            if (compressed && capture != null) {
                capture.recordCompressed(response);
            }
        } catch (Exception e) {
            failure = Status.of(StatusCode.INTERNAL, "cannot parse response of " + method.fullName() + ": " + e);
        }
    }

    /** The peer ended the call: nothing to reset, stop routing its events here. */
    private void ended() {
        RESET.set(this, 1);
        ClientStream s = stream;
        if (s != null) {
            s.detach(this);
        }
    }

    /** Fails the call with {@code status}; false when it had already ended. */
    private boolean fail(Status status) {
        if (future.isSettled()) {
            return false;
        }
        if (capture != null) { // before the future, so whoever it wakes sees complete metadata
            capture.completeTrailers(Metadata.EMPTY);
        }
        if (!future.fail(new StatusException(status))) {
            return false;
        }
        probe.ended(status);
        cancelTimer();
        ByteBuf request = UNSENT.getAndSet(this, null);
        if (request != null) {
            request.release();
        }
        return true;
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }
}
