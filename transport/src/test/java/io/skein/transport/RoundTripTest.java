package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.testing.Await;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The four call kinds through {@link EndpointChannel} and {@link RpcServer}, with metadata both ways, over
 * the native protocol and over gRPC (HTTP/2) on the same port.
 */
class RoundTripTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final String META = "test.Meta/Reflect";
    private static ActorTestKit testKit;
    private static RpcServer server;
    private static EndpointChannel nativeChannel;
    private static EndpointChannel grpcChannel;

    @BeforeAll
    static void start() {
        // A small window makes the long streams below cross many credit grants.
        testKit = ActorTestKit.create("RoundTripTest", Servers.config("skein.transport.stream-window = 4"));
        server = Servers.start(testKit.system(), TestServices.echo()
                .unary(META, (req, ctx) -> {
                    ctx.setResponseHeaders(Metadata.builder().put("seen", ctx.metadata().get(req)).build());
                    return CompletableFuture.completedFuture(ctx.method());
                })
                .build());
        nativeChannel = EndpointChannel.create(testKit.system(), server.localAddress());
        grpcChannel = EndpointChannel.grpc(testKit.system(), server.localAddress());
    }

    /** The same calls over each protocol the port serves. */
    private static EndpointChannel channel(String protocol) {
        return protocol.equals("grpc") ? grpcChannel : nativeChannel;
    }

    @AfterAll
    static void stop() {
        nativeChannel.close();
        grpcChannel.close();
        Await.result(server.shutdown(Duration.ofMillis(100)), Servers.TIMEOUT);
        testKit.shutdownTestKit();
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void unary(String protocol) {
        assertEquals("hi", Await.result(channel(protocol).unary(TestServices.method(TestServices.ECHO, CallKind.UNARY), "hi",
                CallOptions.DEFAULT), LIMIT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void unaryMetadataBothWays(String protocol) {
        ResponseMetadata capture = new ResponseMetadata();
        CallOptions options = CallOptions.DEFAULT.withMetadata(Metadata.builder().put("k", "v").build())
                .withResponseMetadata(capture);
        assertEquals(META, Await.result(channel(protocol).unary(TestServices.method(META, CallKind.UNARY), "k", options), LIMIT));
        assertEquals("v", Await.result(capture.headers(), LIMIT).get("seen"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void serverStreaming(String protocol) {
        assertEquals(List.of("a-0", "a-1", "a-2"), Await.result(Source.single("a")
                .via(channel(protocol).stream(TestServices.method(TestServices.EXPAND, CallKind.SERVER_STREAMING),
                        CallOptions.DEFAULT))
                .runWith(Sink.seq(), testKit.system()), LIMIT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void clientStreaming(String protocol) {
        assertEquals(List.of("1,2,3"), Await.result(Source.from(List.of("1", "2", "3"))
                .via(channel(protocol).stream(TestServices.method(TestServices.COLLECT, CallKind.CLIENT_STREAMING),
                        CallOptions.DEFAULT))
                .runWith(Sink.seq(), testKit.system()), LIMIT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void bidiStreamingAcrossManyCreditGrants(String protocol) {
        List<String> sent = Source.range(1, 500).map(String::valueOf).runWith(Sink.seq(), testKit.system())
                .toCompletableFuture().join();
        assertEquals(sent, Await.result(Source.from(sent)
                .via(channel(protocol).stream(TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING),
                        CallOptions.DEFAULT))
                .runWith(Sink.seq(), testKit.system()), LIMIT));
        Await.until(LIMIT, () -> Servers.load(server).activeCalls() == 0, () -> "no active calls");
    }
}
