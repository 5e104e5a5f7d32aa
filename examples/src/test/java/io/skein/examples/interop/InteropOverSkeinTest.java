package io.skein.examples.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.examples.echo.EchoService;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.transport.ClientChannel;
import io.skein.actors.client.Targets;
import io.skein.transport.EndpointChannel;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every gRPC interop case, run by {@link InteropClient} over the native {@code skein://} transport (all but
 * the compression cases: the native protocol does not compress) and over Skein's own {@code grpc://}
 * client, against a real node serving {@link TestServiceActor} (and Echo, as {@code interop-server} does).
 */
class InteropOverSkeinTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    private static SkeinNode server;
    private static ActorSystem<Void> client;
    private static ClientChannel channel;
    private static ClientChannel grpcChannel;
    private static InteropClient interop;
    private static InteropClient interopOverGrpc;

    @BeforeAll
    static void start() {
        server = SkeinNode.builder()
                .config(ConfigFactory.parseString(TestNodes.LOOPBACK + "pekko.loglevel = WARNING"))
                .service(info -> TestServiceActor.definition(info::nodeId))
                .service(info -> EchoService.definition(info::nodeId))
                .start();
        client = TestNodes.clientSystem("interop-client", "pekko.loglevel = WARNING");
        channel = EndpointChannel.create(client, server.address());
        interop = new InteropClient(client, channel, BOUND, false);
        // The same cases through Skein's own gRPC client, against the same node's gRPC side: the interop
        // pieces are transport-neutral (grpc-java peers are in GrpcJavaInteropTest).
        grpcChannel = Targets.open(client, "grpc://127.0.0.1:" + server.address().getPort());
        interopOverGrpc = new InteropClient(client, grpcChannel, BOUND);
    }

    @AfterAll
    static void stop() {
        try {
            for (ClientChannel c : new ClientChannel[] {channel, grpcChannel}) {
                if (c != null) {
                    c.closeAsync().toCompletableFuture().orTimeout(BOUND.toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS).join();
                }
            }
        } finally {
            try {
                TestNodes.terminate(client);
            } finally {
                TestNodes.close(server);
            }
        }
    }

    /** Every case over each transport, or only those named in {@code -Dinterop.cases=a,b} (to bisect). */
    static Stream<Arguments> cases() {
        String only = System.getProperty("interop.cases", "");
        return Stream.of("skein", "grpc").flatMap(transport -> (transport.equals("grpc") ? interopOverGrpc : interop)
                .cases().stream()
                .filter(c -> only.isEmpty() || List.of(only.split(",")).contains(c))
                .map(c -> Arguments.of(transport, c)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void interopCasePasses(String transport, String testCase) {
        InteropClient.Result result = (transport.equals("grpc") ? interopOverGrpc : interop).run(testCase);
        assertTrue(result.passed(), result::toString);
        assertEquals(testCase, result.testCase());
    }

    @Test
    void allRunsEveryCaseTheNativeProtocolCarriesInOrder() {
        List<InteropClient.Result> results = interop.runAll();
        List<String> expected = InteropClient.CASES.stream()
                .filter(c -> !InteropClient.COMPRESSION_CASES.contains(c)).toList();
        assertEquals(expected, results.stream().map(InteropClient.Result::testCase).toList());
        assertTrue(results.stream().allMatch(InteropClient.Result::passed), results::toString);
    }

    @Test
    void overGrpcTheCasesIncludeCompression() {
        assertEquals(InteropClient.CASES, interopOverGrpc.cases());
        assertTrue(interopOverGrpc.cases().containsAll(InteropClient.COMPRESSION_CASES));
    }

    @Test
    void unknownCaseIsAnArgumentError() {
        assertThrows(IllegalArgumentException.class, () -> interop.run("no_such_case"));
    }

    @Test
    void aCompressionCaseOverTheNativeProtocolIsAnArgumentErrorInOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> interop.run("server_compressed_unary"));
        assertEquals("test case server_compressed_unary needs message compression, which only gRPC has"
                + " (use --transport grpc)", e.getMessage());
    }

    @Test
    void aFailingCaseSaysPreciselyWhatFailed() {
        // A node without TestService: every call ends UNIMPLEMENTED, so empty_unary fails and says so.
        SkeinNode echoOnly = TestNodes.echoNode("pekko.loglevel = WARNING");
        try (ClientChannel other = EndpointChannel.create(client, echoOnly.address())) {
            InteropClient.Result result = new InteropClient(client, other, BOUND, false).run("empty_unary");
            assertTrue(!result.passed(), result::toString);
            assertTrue(result.message().contains("EmptyCall failed: UNIMPLEMENTED"), result::toString);
        } finally {
            TestNodes.close(echoOnly);
        }
    }
}
