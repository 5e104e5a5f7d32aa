package io.skein.examples.testing;

import com.google.protobuf.ByteString;
import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.RepeatRequest;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallContext;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A functional implementation of the Echo service that lets tests observe the server side: it
 * records every call's {@link CallContext} (so a test can see how the server saw the call end), the
 * termination of every response stream it returned, and how many Repeat replies it produced.
 *
 * <ul>
 *   <li>{@code Say}: {@code message = "hang"} never answers; {@code "throw"} throws from the handler;
 *       {@code fail_with} fails with that code; {@code delay_ms} answers after that delay; otherwise echoes.</li>
 *   <li>{@code Repeat}: {@code count} replies ({@code <= 0}: forever) of {@code payload_size} bytes, one per
 *       {@code interval_ms}; then completes, or with {@code message = "fail:<code>"} fails with that code,
 *       or with {@code message = "throw"} throws an IllegalStateException.</li>
 *   <li>{@code Chat}: one reply per request; a request with {@code fail_with} fails the stream; a request
 *       with {@code message = "stop"} makes the server complete its side at once.</li>
 * </ul>
 */
public final class ProbeService {

    /** Every call's context, in arrival order. */
    public final BlockingQueue<CallContext> calls = new LinkedBlockingQueue<>();
    /** The termination of every response stream returned (Repeat and Chat). */
    public final BlockingQueue<CompletionStage<Done>> streamEnds = new LinkedBlockingQueue<>();
    /** Repeat replies produced so far (pulled from the source by the transport). */
    public final AtomicLong produced = new AtomicLong();

    /** The next call's context within {@code timeout}; fails the test when no call arrives. */
    public CallContext nextCall(Duration timeout) {
        return poll(calls, timeout, "a call to reach the probe service");
    }

    /** The next response stream's termination within {@code timeout}. */
    public CompletionStage<Done> nextStreamEnd(Duration timeout) {
        return poll(streamEnds, timeout, "a response stream of the probe service");
    }

    private static <T> T poll(BlockingQueue<T> queue, Duration timeout, String what) {
        try {
            T t = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (t == null) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            return t;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }

    public ServiceDefinition<FunctionalService.Invocation> definition() {
        return FunctionalService.builder(TestNodes.ECHO)
                .<EchoRequest, EchoReply>unary("Say", this::say)
                .<RepeatRequest, EchoReply>serverStreaming("Repeat", this::repeat)
                .<EchoRequest, EchoReply>bidiStreaming("Chat", this::chat)
                .build();
    }

    private CompletionStage<EchoReply> say(EchoRequest req, CallContext ctx) {
        calls.add(ctx);
        if (req.getMessage().equals("hang")) {
            return new CompletableFuture<>();
        }
        if (req.getMessage().equals("throw")) {
            throw new IllegalStateException("probe handler threw on purpose");
        }
        if (req.getFailWith() != 0) {
            return CompletableFuture.failedFuture(
                    new StatusException(StatusCode.fromValue(req.getFailWith()), req.getMessage()));
        }
        EchoReply reply = EchoReply.newBuilder().setMessage(req.getMessage()).setPayload(req.getPayload()).build();
        if (req.getDelayMs() > 0) {
            return CompletableFuture.supplyAsync(() -> reply,
                    CompletableFuture.delayedExecutor(req.getDelayMs(), TimeUnit.MILLISECONDS));
        }
        return CompletableFuture.completedFuture(reply);
    }

    private Source<EchoReply, ?> repeat(RepeatRequest req, CallContext ctx) {
        calls.add(ctx);
        ByteString payload = ByteString.copyFrom(new byte[Math.max(0, req.getPayloadSize())]);
        Source<EchoReply, NotUsed> replies = Source.repeat(Done.getInstance())
                .map(d -> EchoReply.newBuilder()
                        .setMessage(req.getMessage())
                        .setPayload(payload)
                        .setSeq(produced.getAndIncrement())
                        .build());
        if (req.getIntervalMs() > 0) {
            replies = replies.throttle(1, Duration.ofMillis(req.getIntervalMs()));
        }
        if (req.getCount() > 0) {
            replies = replies.take(req.getCount());
        }
        String message = req.getMessage();
        // The failure is thrown by an element of a lazily concatenated source: Source.failed (even with
        // concatLazy) fails the whole stream at materialization, before the first source's elements.
        if (message.startsWith("fail:")) {
            StatusCode code = StatusCode.fromValue(Integer.parseInt(message.substring("fail:".length())));
            replies = replies.concatLazy(Source.single(req.getCount()).<EchoReply>map(n -> {
                throw new StatusException(code, "probe failed after " + n);
            }));
        } else if (message.equals("throw")) {
            replies = replies.concatLazy(Source.single(req.getCount()).<EchoReply>map(n -> {
                throw new IllegalStateException("probe stream threw after " + n);
            }));
        }
        return replies.watchTermination((mat, done) -> {
            streamEnds.add(done);
            return mat;
        });
    }

    private Source<EchoReply, ?> chat(Source<EchoRequest, NotUsed> requests, CallContext ctx) {
        calls.add(ctx);
        return requests.zipWithIndex()
                .takeWhile(p -> !p.first().getMessage().equals("stop"))
                .map(p -> {
                    if (p.first().getFailWith() != 0) {
                        throw new StatusException(StatusCode.fromValue(p.first().getFailWith()), p.first().getMessage());
                    }
                    return EchoReply.newBuilder().setMessage(p.first().getMessage()).setSeq(p.second()).build();
                })
                .watchTermination((mat, done) -> {
                    streamEnds.add(done);
                    return mat;
                });
    }
}
