package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.skein.actors.FunctionalService;
import io.skein.actors.client.ServiceClient;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.transport.CallContext;
import io.skein.transport.CallOptions;
import io.skein.transport.ResponseMetadata;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request metadata (transient and persistent) reaches the service, and the service's response headers
 * and trailers reach the client. Echo ignores metadata, so a functional Echo implementation here
 * writes what it saw into its replies.
 */
class MetadataEndToEndTest {

    private static final Metadata REQUEST_METADATA = Metadata.builder()
            .put("tenant", "acme")
            .put("x-trace", "one-hop")
            .putPersistent("x-user", "alice")
            .putPersistent("x-region", "eu-1")
            .build();
    private static final String SEEN = "transient={tenant=acme, x-trace=one-hop};persistent={x-region=eu-1, x-user=alice}";

    private static SkeinNode server;
    private static ActorSystem<Void> client;
    private static ServiceClient echo;
    private static Materializer mat;

    @BeforeAll
    static void start() {
        server = TestNodes.node(metadataEcho(), "");
        client = TestNodes.clientSystem("metadata-client", "");
        echo = TestNodes.echoClient(client, server);
        mat = Materializer.matFromSystem(client);
    }

    @AfterAll
    static void stop() {
        try {
            TestNodes.terminate(client);
        } finally {
            TestNodes.close(server);
        }
    }

    /** What the service saw, kept split as it arrived. */
    private static String seen(CallContext ctx) {
        return "transient=" + new TreeMap<>(ctx.metadata().transientValues())
                + ";persistent=" + new TreeMap<>(ctx.metadata().persistentValues());
    }

    private static EchoReply reply(CallContext ctx, long seq) {
        return EchoReply.newBuilder().setMessage(seen(ctx)).setSeq(seq).build();
    }

    private static Metadata md(String key, String value) {
        return Metadata.builder().put(key, value).build();
    }

    private static io.skein.actors.ServiceDefinition<FunctionalService.Invocation> metadataEcho() {
        return FunctionalService.builder(TestNodes.ECHO)
                .<EchoRequest, EchoReply>unary("Say", (req, ctx) -> {
                    ctx.setResponseHeaders(md("x-header", "say-" + req.getMessage()));
                    ctx.setResponseTrailers(md("x-trailer", "say-done"));
                    if (req.getFailWith() != 0) {
                        return CompletableFuture.failedFuture(
                                new StatusException(StatusCode.fromValue(req.getFailWith()), "as asked"));
                    }
                    CompletionStage<EchoReply> r = CompletableFuture.completedFuture(reply(ctx, 0));
                    return r;
                })
                .<RepeatRequest, EchoReply>serverStreaming("Repeat", (req, ctx) -> {
                    ctx.setResponseHeaders(md("x-header", "repeat-" + req.getMessage()));
                    // Trailers are taken when the call ends: the last value set wins.
                    return Source.range(0, req.getCount() - 1).map(i -> {
                        ctx.setResponseTrailers(md("x-trailer", "sent-" + (i + 1)));
                        return reply(ctx, i);
                    });
                })
                .<EchoRequest, EchoReply>clientStreaming("Collect", (Source<EchoRequest, NotUsed> in, CallContext ctx) -> {
                    ctx.setResponseHeaders(md("x-header", "collect"));
                    return in.runWith(Sink.seq(), Materializer.matFromSystem(server.system())).thenApply(all -> {
                        ctx.setResponseTrailers(md("x-trailer", "collected-" + all.size()));
                        return reply(ctx, all.size());
                    });
                })
                .<EchoRequest, EchoReply>bidiStreaming("Chat", (Source<EchoRequest, NotUsed> in, CallContext ctx) -> {
                    ctx.setResponseHeaders(md("x-header", "chat"));
                    ctx.setResponseTrailers(md("x-trailer", "chat-done"));
                    return in.zipWithIndex().map(p -> {
                        if (p.first().getFailWith() != 0) {
                            throw new StatusException(StatusCode.fromValue(p.first().getFailWith()), "as asked");
                        }
                        return reply(ctx, p.second());
                    });
                })
                .build();
    }

    private static CallOptions options(ResponseMetadata capture) {
        return CallOptions.DEFAULT.withMetadata(REQUEST_METADATA).withResponseMetadata(capture);
    }

    @Test
    void unaryCarriesMetadataBothWays() {
        ResponseMetadata capture = new ResponseMetadata();
        EchoReply reply = await(echo.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("m").build(), options(capture)));
        assertEquals(SEEN, reply.getMessage());
        assertEquals("say-m", await(capture.headers()).get("x-header"));
        assertEquals("say-done", await(capture.trailers()).get("x-trailer"));
    }

    @Test
    void unaryWithoutMetadataShowsNoneOnTheServer() {
        EchoReply reply = await(echo.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("m").build()));
        assertEquals("transient={};persistent={}", reply.getMessage());
    }

    @Test
    void failedUnaryStillDeliversTrailers() {
        ResponseMetadata capture = new ResponseMetadata();
        assertFails(StatusCode.ABORTED, echo.unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("m").setFailWith(StatusCode.ABORTED.value()).build(),
                        options(capture)));
        assertEquals("say-done", await(capture.trailers()).get("x-trailer"));
    }

    @Test
    void serverStreamingCarriesMetadataBothWays() {
        ResponseMetadata capture = new ResponseMetadata();
        List<EchoReply> replies = await(echo.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                .call(RepeatRequest.newBuilder().setMessage("r").setCount(3).build(), options(capture))
                .runWith(Sink.seq(), mat));
        assertEquals(3, replies.size());
        replies.forEach(r -> assertEquals(SEEN, r.getMessage()));
        Metadata headers = await(capture.headers());
        assertEquals("repeat-r", headers.get("x-header"));
        assertNull(headers.get("x-trailer"), "trailers must not travel as headers: " + headers);
        assertEquals("sent-3", await(capture.trailers()).get("x-trailer"));
    }

    @Test
    void bidiStreamingCarriesMetadataBothWays() {
        ResponseMetadata capture = new ResponseMetadata();
        List<EchoReply> replies = await(Source.from(List.of("a", "b"))
                .map(m -> EchoRequest.newBuilder().setMessage(m).build())
                .via(echo.bidiStreaming("Chat", EchoRequest.class, EchoReply.class).call(options(capture)))
                .runWith(Sink.seq(), mat));
        assertEquals(2, replies.size());
        replies.forEach(r -> assertEquals(SEEN, r.getMessage()));
        assertEquals("chat", await(capture.headers()).get("x-header"));
        assertEquals("chat-done", await(capture.trailers()).get("x-trailer"));
    }

    @Test
    void failedStreamStillDeliversHeadersAndTrailers() {
        ResponseMetadata capture = new ResponseMetadata();
        assertFails(StatusCode.OUT_OF_RANGE, Source.from(List.of(0, StatusCode.OUT_OF_RANGE.value()))
                .map(code -> EchoRequest.newBuilder().setFailWith(code).build())
                .via(echo.bidiStreaming("Chat", EchoRequest.class, EchoReply.class).call(options(capture)))
                .runWith(Sink.seq(), mat));
        assertEquals("chat", await(capture.headers()).get("x-header"));
        assertEquals("chat-done", await(capture.trailers()).get("x-trailer"));
    }

    @Test
    void clientStreamingCarriesMetadataBothWays() {
        ResponseMetadata capture = new ResponseMetadata();
        EchoReply reply = await(echo.clientStreaming("Collect", EchoRequest.class, EchoReply.class)
                .call(Source.from(List.of("a", "b", "c")).map(m -> EchoRequest.newBuilder().setMessage(m).build()),
                        options(capture)));
        assertEquals(SEEN, reply.getMessage());
        assertEquals(3, reply.getSeq());
        assertEquals("collect", await(capture.headers()).get("x-header"));
        assertEquals("collected-3", await(capture.trailers()).get("x-trailer"));
    }
}
