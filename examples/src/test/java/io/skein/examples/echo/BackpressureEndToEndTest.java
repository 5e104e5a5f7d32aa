package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.client.ServiceClient;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.transport.CallContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backpressure across the wire, both directions: a producer that could go infinitely fast, facing a
 * consumer that takes one message per 50 ms, may only ever be ahead by the credit window
 * ({@code skein.transport.stream-window}, 32 by default) plus a few messages held by the stream
 * operators on the way (see {@link #SLACK}). The gap is checked at every consumed message, which also
 * bounds the memory the stream can hold on either side (window x message size).
 */
class BackpressureEndToEndTest {

    /** {@code skein.transport.stream-window} (the default; both nodes use it). */
    static final long WINDOW = 32;
    /**
     * Messages the operators around the credit window may hold: at most one in the consumer's
     * {@code throttle}, one in flight through the service source's {@code flatMapConcat}/
     * {@code completionStageSource} chain on the server, and one pulled by the producer's {@code map}
     * that has not reached the call stage yet; plus one for the sample being taken while the next
     * message is produced.
     */
    static final long SLACK = 4;
    static final Duration PER_MESSAGE = Duration.ofMillis(50);
    static final int CONSUMED = 100; // 100 x 50 ms = 5 s

    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private final AtomicLong maxAhead = new AtomicLong();
    private final CompletableFuture<CallContext> call = new CompletableFuture<>();

    private SkeinNode server;
    private ActorSystem<Void> client;
    private ServiceClient echo;

    @BeforeEach
    void start() {
        server = TestNodes.node(countingService(), "");
        client = TestNodes.clientSystem("backpressure-client", "");
        echo = TestNodes.echoClient(client, server);
    }

    @AfterEach
    void stop() {
        try {
            TestNodes.terminate(client);
        } finally {
            TestNodes.close(server);
        }
    }

    /** Called by the consumer at every message: how far ahead the producer is right now. */
    private void consumedOne() {
        long c = consumed.incrementAndGet();
        long ahead = produced.get() - c;
        maxAhead.accumulateAndGet(ahead, Math::max);
    }

    private ServiceDefinition<FunctionalService.Invocation> countingService() {
        Materializer[] serverMat = new Materializer[1];
        return FunctionalService.builder(TestNodes.ECHO)
                // Repeat: a never-ending source that counts what the transport pulls from it.
                .<RepeatRequest, EchoReply>serverStreaming("Repeat", (req, ctx) -> {
                    call.complete(ctx);
                    EchoReply template = EchoReply.newBuilder()
                            .setPayload(ByteString.copyFrom(new byte[req.getPayloadSize()])).build();
                    return Source.repeat(template).map(r -> r.toBuilder().setSeq(produced.getAndIncrement()).build());
                })
                // Collect: a slow consumer of the client's requests (one per 50 ms), counting each.
                .<EchoRequest, EchoReply>clientStreaming("Collect", (Source<EchoRequest, NotUsed> requests, CallContext ctx) -> {
                    call.complete(ctx);
                    if (serverMat[0] == null) {
                        serverMat[0] = Materializer.matFromSystem(server.system());
                    }
                    return requests
                            .throttle(1, PER_MESSAGE)
                            .map(r -> {
                                consumedOne();
                                return r;
                            })
                            .take(CONSUMED)
                            .runWith(Sink.fold(0L, (n, r) -> n + 1), serverMat[0])
                            .thenApply(n -> EchoReply.newBuilder().setSeq(n).build());
                })
                .build();
    }

    @Test
    void fastServerStreamIsHeldToTheSlowClientsPace() {
        long start = System.nanoTime();
        Done done = await(echo.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setCount(0).setPayloadSize(1024).setIntervalMs(0).build())
                .throttle(1, PER_MESSAGE)
                .map(r -> {
                    assertEquals(consumed.get(), r.getSeq(), "replies arrive in order, none lost");
                    assertEquals(1024, r.getPayload().size());
                    consumedOne();
                    return r;
                })
                .take(CONSUMED)
                .runWith(Sink.ignore(), Materializer.matFromSystem(client)), Duration.ofSeconds(30));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("server stream: consumed %d in %d ms, produced %d, at most %d ahead%n",
                consumed.get(), elapsedMs, produced.get(), maxAhead.get());
        assertEquals(Done.getInstance(), done);
        assertEquals(CONSUMED, consumed.get());
        assertTrue(elapsedMs >= 4000, "the consumer was not throttled: " + elapsedMs + " ms");
        // An unthrottled producer would have made hundreds of thousands of replies in 5 s.
        assertTrue(maxAhead.get() <= WINDOW + SLACK, "server produced up to " + maxAhead.get()
                + " replies ahead of the client (window " + WINDOW + " + slack " + SLACK + ")");
        assertTrue(produced.get() <= CONSUMED + WINDOW + SLACK, "produced " + produced.get() + " in all");
        // The credit window was actually used: the producer ran ahead of the consumer.
        assertTrue(maxAhead.get() >= WINDOW / 2, "producer never ran ahead: " + maxAhead.get());
    }

    @Test
    void fastClientStreamIsHeldToTheSlowServersPace() {
        long start = System.nanoTime();
        EchoRequest request = EchoRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[1024])).build();
        EchoReply reply = await(echo.clientStreaming("Collect", EchoRequest.class, EchoReply.class)
                .call(Source.repeat(request).map(r -> {
                    produced.incrementAndGet();
                    return r;
                })), Duration.ofSeconds(30));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("client stream: consumed %d in %d ms, produced %d, at most %d ahead%n",
                consumed.get(), elapsedMs, produced.get(), maxAhead.get());
        assertEquals(CONSUMED, reply.getSeq());
        assertTrue(elapsedMs >= 4000, "the server was not throttled: " + elapsedMs + " ms");
        assertTrue(maxAhead.get() <= WINDOW + SLACK, "client sent up to " + maxAhead.get()
                + " requests ahead of the server (window " + WINDOW + " + slack " + SLACK + ")");
        assertTrue(maxAhead.get() >= WINDOW / 2, "client never ran ahead: " + maxAhead.get());
    }
}
