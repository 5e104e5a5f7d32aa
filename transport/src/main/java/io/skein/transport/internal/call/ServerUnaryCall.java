package io.skein.transport.internal.call;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallContext;
import io.skein.transport.ServerMethod;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One unary call on a server, whatever the protocol: takes exactly one request message (parsed as it
 * arrives), hands it to the service once the request is complete, and writes exactly one answer —
 * the service's, the deadline's, or a bad request's — and none after the caller cancelled.
 *
 * <p>Threads: events arrive on the I/O thread; the service is invoked there or, batched with the other
 * calls of the same read, on the service's executor ({@link Connection#handOff}); it answers on any thread. The call's
 * {@link CallContext#terminate} decides who ends it, so exactly one answer is written.
 */
final class ServerUnaryCall<Req, Resp> implements CallListener {

    private final ServerMethod<Req, Resp> method;
    private final CallContext context;
    private final ServerStream stream;
    private final Connection connection;
    private volatile ScheduledFuture<?> deadlineTimer;
    // I/O thread only:
    private Req request;
    private boolean hasRequest;

    private ServerUnaryCall(ServerMethod<Req, Resp> method, CallContext context, ServerStream stream,
                            Connection connection) {
        this.method = method;
        this.context = context;
        this.stream = stream;
        this.connection = connection;
    }

    /**
     * Attaches a new call on {@code connection} to {@code stream}, arms its deadline and asks for its request;
     * on the I/O thread. The complete request goes to the service through {@link Connection#handOff}.
     */
    static <Req, Resp> void start(ServerMethod<Req, Resp> method, CallContext context, ServerStream stream,
                                  Connection connection, EventExecutor timers, long timeoutMillis) {
        ServerUnaryCall<Req, Resp> call = new ServerUnaryCall<>(method, context, stream, connection);
        stream.attach(call);
        if (timeoutMillis > 0) {
            call.deadlineTimer = timers.schedule(call::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        stream.grant(1);
    }

    @Override
    public void onEvent(StreamEvent event) {
        if (context.isDone()) {
            return;
        }
        if (event instanceof StreamEvent.Message m) {
            onRequest(m.payload(), m.compressed());
        } else if (event == StreamEvent.HALF_CLOSE) {
            if (hasRequest) {
                Req value = request;
                request = null;
                connection.handOff(method.handler().executor(), () -> invoke(value));
            } else {
                end(Status.of(StatusCode.INTERNAL, "unary call without a request message"));
            }
        } else if (event instanceof StreamEvent.Reset r) {
            Status status = r.status().code() == StatusCode.DEADLINE_EXCEEDED ? r.status()
                    : Status.of(StatusCode.CANCELLED, r.status().message());
            if (context.terminate(status)) {
                cancelTimer();
                stream.detach(this);
            }
        } else if (event instanceof StreamEvent.Closed c) {
            cancelTimer();
            context.terminate(c.status());
            stream.detach(this);
        } else if (event instanceof StreamEvent.Failed f) {
            end(f.status());
        }
    }

    private void onRequest(ByteBuf payload, boolean compressed) {
        if (hasRequest) {
            end(Status.of(StatusCode.INTERNAL, "unary call with more than one request message"));
            return;
        }
        context.probe().messageReceived(payload.readableBytes());
        try {
            request = method.descriptor().requests().parse(payload);
        } catch (Exception e) {
            end(Status.of(StatusCode.INVALID_ARGUMENT, "cannot parse request of " + method.descriptor().fullName()
                    + ": " + e));
            return;
        }
        if (compressed) {
            context.recordCompressed(request);
        }
        hasRequest = true;
        stream.grant(1); // to see the request's end (or a second message) as soon as it comes
    }

    /** Gives the request to the service: on the I/O thread, or on the service's executor with others read at once. */
    private void invoke(Req value) {
        if (context.isDone()) {
            return; // cancelled, expired or its connection closed while it waited for its read to end
        }
        CompletionStage<Resp> answer;
        try {
            if (!method.handler().marksStart()) {
                context.markStarted();
            }
            answer = method.handler().unary(value, context);
        } catch (Throwable t) {
            answer = CompletableFuture.failedFuture(t);
        }
        if (answer == null) {
            answer = CompletableFuture.failedFuture(new NullPointerException("service returned no answer"));
        }
        answer.whenComplete(this::complete);
    }

    /** The service answered (any thread). */
    private void complete(Resp response, Throwable error) {
        Status status;
        ByteBuf payload = Unpooled.EMPTY_BUFFER;
        boolean compress = true;
        if (error != null) {
            status = ServiceFailures.answer(context, error);
        } else if (response == null) {
            status = Status.of(StatusCode.INTERNAL, "service returned no response for " + method.descriptor().fullName());
        } else {
            compress = context.takeMessageCompression(response);
            try {
                payload = method.descriptor().responses().serialize(response, stream.alloc());
                status = Status.OK;
                if (payload.readableBytes() > stream.maxMessageSize()) {
                    status = Status.of(StatusCode.RESOURCE_EXHAUSTED, "response of " + payload.readableBytes()
                            + " bytes exceeds the limit of " + stream.maxMessageSize());
                    payload.release();
                    payload = Unpooled.EMPTY_BUFFER;
                }
            } catch (RuntimeException e) {
                status = ServiceFailures.crashed(context, e, "its response cannot be serialized");
            }
        }
        if (status.isOk()) {
            context.probe().messageSent(payload.readableBytes()); // before terminate() ends the probe
        }
        if (!context.terminate(status)) {
            payload.release(); // cancelled or expired meanwhile: the caller gets nothing more
            return;
        }
        finish(status, payload, compress);
    }

    private void expire() {
        end(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded on the server"));
    }

    /** Ends the call from the transport's side (bad request, deadline) with {@code status}. */
    private void end(Status status) {
        if (context.terminate(status)) {
            finish(status, Unpooled.EMPTY_BUFFER, true);
        }
    }

    private void finish(Status status, ByteBuf payload, boolean compress) {
        cancelTimer();
        stream.respondUnary(status, context.responseHeaders(), context.responseTrailers(), payload, compress);
        stream.detach(this);
    }

    private void cancelTimer() {
        ScheduledFuture<?> timer = deadlineTimer;
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
