package io.skein.examples.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.Targets;
import io.skein.examples.echo.EchoService;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.transport.ClientChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every gRPC interop case, run by {@link InteropClient} over Skein's own {@code grpc://} client
 * against the same {@link TestServiceActor} node (gRPC on the native port). The grpc-java peers in
 * both directions are tested elsewhere; this proves the interop pieces are transport-neutral.
 */
class InteropOverGrpcTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    private static SkeinNode server;
    private static ActorSystem<Void> client;
    private static ClientChannel channel;
    private static InteropClient interop;

    @BeforeAll
    static void start() {
        server = SkeinNode.builder()
                .config(ConfigFactory.parseString(TestNodes.LOOPBACK + "pekko.loglevel = WARNING"))
                .service(info -> TestServiceActor.definition(info::nodeId))
                .service(info -> EchoService.definition(info::nodeId))
                .start();
        client = TestNodes.clientSystem("interop-grpc-client", "pekko.loglevel = WARNING");
        channel = Targets.open(client, "grpc://127.0.0.1:" + server.address().getPort());
        interop = new InteropClient(client, channel, BOUND);
    }

    @AfterAll
    static void stop() {
        try {
            if (channel != null) {
                channel.closeAsync().toCompletableFuture().orTimeout(BOUND.toMillis(), TimeUnit.MILLISECONDS).join();
            }
        } finally {
            try {
                TestNodes.terminate(client);
            } finally {
                TestNodes.close(server);
            }
        }
    }

    /** Every case, or only those named in {@code -Dinterop.cases=a,b} (to bisect a failure). */
    static Stream<String> cases() {
        String only = System.getProperty("interop.cases", "");
        return only.isEmpty() ? InteropClient.CASES.stream()
                : InteropClient.CASES.stream().filter(java.util.List.of(only.split(","))::contains);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void interopCasePasses(String testCase) {
        InteropClient.Result result = interop.run(testCase);
        assertTrue(result.passed(), result::toString);
    }
}
