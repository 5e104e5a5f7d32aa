package io.skein.examples.grpc;

import com.google.protobuf.ByteString;
import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.transport.CallContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * An Echo implementation whose server side the gRPC tests can watch: every call's {@link CallContext}
 * (so a test sees how the server saw the call end), every Repeat response stream's termination, and how
 * many Repeat replies the transport pulled ({@link #produced}).
 *
 * <ul>
 *   <li>{@code Say}: echoes after {@code delay_ms} (a timer, not a sleep). Request metadata whose key
 *       starts with {@code x-echo-initial} comes back as response headers, {@code x-echo-trailing} as
 *       trailers (so {@code -bin} keys travel both ways).</li>
 *   <li>{@code Repeat}: {@code count} replies ({@code <= 0}: never ends) of {@code payload_size} bytes.</li>
 *   <li>{@code Collect}: joins the messages; its context is recorded like every other call's.</li>
 * </ul>
 */
final class ObservedEcho {

    final BlockingQueue<CallContext> calls = new LinkedBlockingQueue<>();
    final BlockingQueue<CompletionStage<Done>> streamEnds = new LinkedBlockingQueue<>();
    final AtomicLong produced = new AtomicLong();
    /** Set once the node serving this runs (Collect runs its request stream on it). */
    volatile Materializer materializer;

    CallContext nextCall(Duration timeout) {
        return poll(calls, timeout, "a call to reach the service");
    }

    CompletionStage<Done> nextStreamEnd(Duration timeout) {
        return poll(streamEnds, timeout, "a Repeat response stream");
    }

    /** The final status the server recorded for {@code ctx}, within {@code timeout}. */
    static Status termination(CallContext ctx, Duration timeout) {
        try {
            return ctx.termination().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the server never saw " + ctx.method() + " end within " + timeout, e);
        }
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

    ServiceDefinition<FunctionalService.Invocation> definition() {
        return FunctionalService.builder(TestNodes.ECHO)
                .<EchoRequest, EchoReply>unary("Say", this::say)
                .<RepeatRequest, EchoReply>serverStreaming("Repeat", this::repeat)
                .<EchoRequest, EchoReply>clientStreaming("Collect", this::collect)
                .build();
    }

    private CompletionStage<EchoReply> say(EchoRequest req, CallContext ctx) {
        calls.add(ctx);
        Metadata.Builder headers = Metadata.builder();
        Metadata.Builder trailers = Metadata.builder();
        for (Map.Entry<String, String> e : ctx.metadata().transientValues().entrySet()) {
            if (e.getKey().startsWith("x-echo-initial")) {
                headers.put(e.getKey(), e.getValue());
            } else if (e.getKey().startsWith("x-echo-trailing")) {
                trailers.put(e.getKey(), e.getValue());
            }
        }
        ctx.setResponseHeaders(headers.build());
        ctx.setResponseTrailers(trailers.build());
        EchoReply reply = EchoReply.newBuilder().setMessage(req.getMessage()).setPayload(req.getPayload()).build();
        if (req.getDelayMs() > 0) {
            return CompletableFuture.supplyAsync(() -> reply,
                    CompletableFuture.delayedExecutor(req.getDelayMs(), TimeUnit.MILLISECONDS));
        }
        return CompletableFuture.completedFuture(reply);
    }

    private Source<EchoReply, ?> repeat(RepeatRequest req, CallContext ctx) {
        calls.add(ctx);
        EchoReply template = EchoReply.newBuilder()
                .setMessage(req.getMessage())
                .setPayload(ByteString.copyFrom(new byte[Math.max(0, req.getPayloadSize())]))
                .build();
        // Counts what the transport pulls: production, not delivery.
        Source<EchoReply, NotUsed> replies = Source.repeat(template)
                .map(t -> t.toBuilder().setSeq(produced.getAndIncrement()).build());
        if (req.getCount() > 0) {
            replies = replies.take(req.getCount());
        }
        return replies.watchTermination((mat, done) -> {
            streamEnds.add(done);
            return mat;
        });
    }

    private CompletionStage<EchoReply> collect(Source<EchoRequest, NotUsed> requests, CallContext ctx) {
        calls.add(ctx);
        return requests.map(EchoRequest::getMessage)
                .runWith(Sink.fold("", (acc, m) -> acc.isEmpty() ? m : acc + "," + m), materializer)
                .thenApply(joined -> EchoReply.newBuilder().setMessage(joined).build());
    }
}
