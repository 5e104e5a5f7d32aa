package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.testing.Await;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Message compression through the public API, Skein client against Skein server on one port: the
 * caller's {@link CallOptions#withCompression} and per-message choice, the service's view of each
 * request ({@link CallContext#wasCompressed}) and its choice for the responses, and the caller's view
 * of each response ({@link ResponseMetadata#wasCompressed}). gRPC compresses; the native protocol does
 * not, and ignores the choices.
 */
class GrpcCompressionTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final String UNARY = "test.Zip/Unary";
    private static final String COLLECT = "test.Zip/Collect";
    private static final String EXPAND = "test.Zip/Expand";

    private static ActorTestKit testKit;
    private static RpcServer server;
    private static EndpointChannel grpc;
    private static EndpointChannel skein;

    /** {@code request:z} when the request arrived compressed, {@code request:-} when not. */
    private static String seen(String request, CallContext ctx) {
        return request + (ctx.wasCompressed(request) ? ":z" : ":-");
    }

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("GrpcCompressionTest", Servers.config(""));
        server = Servers.start(testKit.system(), TestServices.builder()
                // A request named "gzip" or "identity" asks for that response compression.
                .unary(UNARY, (req, ctx) -> {
                    if (req.equals("gzip") || req.equals("identity")) {
                        ctx.setResponseCompression(req);
                    }
                    return CompletableFuture.completedFuture(seen(req, ctx));
                })
                // Collects every request before looking: the answer does not depend on when it is asked.
                .clientStream(COLLECT, (requests, ctx) -> requests.grouped(100)
                        .map(all -> all.stream().map(r -> seen(r, ctx)).collect(Collectors.joining(","))))
                // Three gzip responses, the middle one sent uncompressed.
                .serverStream(EXPAND, (req, ctx) -> {
                    ctx.setResponseCompression("gzip");
                    return Source.range(0, 2).map(i -> {
                        String response = req + "-" + i;
                        if (i == 1) {
                            ctx.setMessageCompression(response, false);
                        }
                        return response;
                    });
                })
                .build());
        grpc = EndpointChannel.grpc(testKit.system(), server.localAddress());
        skein = EndpointChannel.create(testKit.system(), server.localAddress());
    }

    @AfterAll
    static void stop() {
        grpc.close();
        skein.close();
        Await.result(server.shutdown(Duration.ofMillis(100)), Servers.TIMEOUT);
        testKit.shutdownTestKit();
    }

    private static String unary(EndpointChannel channel, String request, CallOptions options) {
        return Await.result(channel.unary(TestServices.method(UNARY, CallKind.UNARY), request, options), LIMIT);
    }

    @Test
    void aGzipRequestArrivesCompressedAndItsAnswerComesBackCompressed() {
        ResponseMetadata capture = new ResponseMetadata();
        String answer = unary(grpc, "hello", CallOptions.DEFAULT.withCompression("gzip").withResponseMetadata(capture));
        assertEquals("hello:z", answer);
        assertTrue(capture.wasCompressed(answer), "by default a server answers gzip with gzip");
    }

    @Test
    void anUncompressedRequestGetsAnUncompressedAnswerUnlessTheServiceAsksForGzip() {
        ResponseMetadata plain = new ResponseMetadata();
        String answer = unary(grpc, "hello", CallOptions.DEFAULT.withResponseMetadata(plain));
        assertEquals("hello:-", answer);
        assertFalse(plain.wasCompressed(answer));

        ResponseMetadata asked = new ResponseMetadata();
        String gzipped = unary(grpc, "gzip", CallOptions.DEFAULT.withResponseMetadata(asked));
        assertEquals("gzip:-", gzipped);
        assertTrue(asked.wasCompressed(gzipped), "the service chose gzip and the client accepts it");
    }

    @Test
    void theServiceCanAnswerAGzipRequestUncompressed() {
        ResponseMetadata capture = new ResponseMetadata();
        String answer = unary(grpc, "identity", CallOptions.DEFAULT.withCompression("gzip").withResponseMetadata(capture));
        assertEquals("identity:z", answer);
        assertFalse(capture.wasCompressed(answer));
    }

    @Test
    void aClientStreamCompressesOnlyTheMessagesItsPredicateChooses() {
        CallOptions options = CallOptions.DEFAULT.withCompression("gzip")
                .withMessageCompression(request -> !request.equals("b"));
        List<String> answer = Await.result(Source.from(List.of("a", "b", "c"))
                .via(grpc.stream(TestServices.method(COLLECT, CallKind.CLIENT_STREAMING), options))
                .runWith(Sink.seq(), testKit.system()), LIMIT);
        assertEquals(List.of("a:z,b:-,c:z"), answer);
    }

    @Test
    void theServiceSendsSingleResponsesOfAGzipStreamUncompressed() {
        ResponseMetadata capture = new ResponseMetadata();
        List<String> responses = Await.result(Source.single("r")
                .via(grpc.stream(TestServices.method(EXPAND, CallKind.SERVER_STREAMING),
                        CallOptions.DEFAULT.withResponseMetadata(capture)))
                .runWith(Sink.seq(), testKit.system()), LIMIT);
        assertEquals(List.of("r-0", "r-1", "r-2"), responses);
        assertEquals(List.of(true, false, true), responses.stream().map(capture::wasCompressed).toList());
    }

    @Test
    void theNativeProtocolIgnoresCompressionAndStillAnswers() {
        ResponseMetadata capture = new ResponseMetadata();
        String answer = unary(skein, "gzip", CallOptions.DEFAULT.withCompression("gzip").withResponseMetadata(capture));
        assertEquals("gzip:-", answer);
        assertFalse(capture.wasCompressed(answer));
    }

    @Test
    void onlyGzipAndIdentityAreCompressionNames() {
        assertEquals("gzip", CallOptions.DEFAULT.withCompression("GZIP").compression());
        assertEquals(null, CallOptions.DEFAULT.withCompression("gzip").withCompression("identity").compression());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CallOptions.DEFAULT.withCompression("br"));
        assertEquals("unsupported compression 'br' (Skein compresses with gzip or identity)", e.getMessage());
        CallContext context = new CallContext("test.Zip/Unary", Metadata.EMPTY, 0, null);
        assertThrows(IllegalArgumentException.class, () -> context.setResponseCompression("deflate"));
        context.setResponseCompression("identity");
        assertEquals("identity", context.responseCompression());
        context.setResponseCompression(null);
        assertEquals(null, context.responseCompression());
    }

    @Test
    void messagesAreToldApartByIdentityNotEquality() {
        CallContext context = new CallContext("test.Zip/Unary", Metadata.EMPTY, 0, null);
        String first = new String("same");
        String second = new String("same");
        context.recordCompressed(first);
        assertTrue(context.wasCompressed(first));
        assertFalse(context.wasCompressed(second), "an equal message that arrived uncompressed");
        context.setMessageCompression(second, false);
        assertFalse(context.takeMessageCompression(second));
        assertTrue(context.takeMessageCompression(second), "a choice is used once");
        assertTrue(context.takeMessageCompression(first), "unmarked responses are compressed when the call is");
    }

    @Test
    void anAttemptRecordsResponseCompressionWhereTheCallerLooks() {
        ResponseMetadata caller = new ResponseMetadata();
        ClientCallContext call = ClientCallContext.create(TestServices.method(UNARY, CallKind.UNARY),
                CallOptions.DEFAULT.withResponseMetadata(caller));
        ClientCallContext retry = call.newAttempt(Metadata.EMPTY, Set.of());
        Object response = new Object();
        retry.responseMetadata().recordCompressed(response);
        assertTrue(caller.wasCompressed(response));
    }
}
