package io.skein.transport.testing;

import io.skein.testing.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.protocols.Metadata;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.MethodRegistry;
import io.skein.transport.RpcServer;
import io.skein.transport.internal.connection.ServerActor;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;

/** Starting servers on 127.0.0.1:0 and checking that they serve. */
public final class Servers {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Servers() {
    }

    /** Test-kit config with {@code hocon} on top (e.g. {@code "skein.transport.max-frame-size = 64 KiB"}). */
    public static Config config(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ActorTestKit.applicationTestConfig())
                .withFallback(ConfigFactory.load());
    }

    /** Starts a server on an ephemeral loopback port. */
    public static RpcServer start(ActorSystem<?> system, MethodRegistry registry) {
        return Await.result(RpcServer.start(system, new InetSocketAddress("127.0.0.1", 0), registry), TIMEOUT);
    }

    /** The server's current load. */
    public static ServerActor.Load load(RpcServer server) {
        return Await.result(server.load(), TIMEOUT);
    }

    /**
     * Proves the server still serves: a unary {@link TestServices#ECHO} call on a NEW raw connection
     * gets its answer. The registry must contain {@link TestServices#ECHO}.
     */
    public static void assertServing(InetSocketAddress address) {
        try (RawClient raw = RawClient.connect(address)) {
            raw.write(new SkeinFrame.UnaryRequest(1, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("ping")));
            SkeinFrame.UnaryResponse response = raw.read(SkeinFrame.UnaryResponse.class, TIMEOUT);
            assertTrue(response.status().isOk(), () -> "status " + response.status());
            assertEquals("ping", RawClient.text(response));
        }
    }
}
