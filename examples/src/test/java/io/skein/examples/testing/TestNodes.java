package io.skein.examples.testing;

import com.google.protobuf.Descriptors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.client.ServiceClient;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoService;
import io.skein.runtime.SkeinNode;
import io.skein.transport.EndpointChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Starting and stopping real nodes and client actor systems on loopback, port 0. */
public final class TestNodes {

    /** The Echo service descriptor. */
    public static final Descriptors.ServiceDescriptor ECHO = EchoProto.getDescriptor().findServiceByName("Echo");

    /** Binds loopback on a free port; the observability endpoint too. */
    public static final String LOOPBACK = "skein.server { host = \"127.0.0.1\", port = 0 }\n"
            + "skein.observability.http { host = \"127.0.0.1\", port = 0 }\n";

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private TestNodes() {
    }

    /** A node serving the real Echo actor. */
    public static SkeinNode echoNode() {
        return echoNode("");
    }

    /** A node serving the real Echo actor, with extra config (HOCON) on top of loopback/port 0. */
    public static SkeinNode echoNode(String extraConfig) {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString(LOOPBACK + extraConfig))
                .service(info -> EchoService.definition(info::nodeId))
                .start();
    }

    /** A node serving {@code service}, with extra config (HOCON) on top of loopback/port 0. */
    public static SkeinNode node(ServiceDefinition<?> service, String extraConfig) {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString(LOOPBACK + extraConfig))
                .service(service)
                .start();
    }

    /** A plain actor system to run clients in (no server), with extra config (HOCON). */
    public static ActorSystem<Void> clientSystem(String name, String extraConfig) {
        Config config = ConfigFactory.parseString(extraConfig).withFallback(ConfigFactory.load()).resolve();
        return ActorSystem.create(Behaviors.empty(), name, config);
    }

    /** A typed Echo client in {@code system}, with its own channel to {@code server}. */
    public static ServiceClient echoClient(ActorSystem<?> system, SkeinNode server) {
        return ServiceClient.create(system, EndpointChannel.create(system, server.address()), ECHO);
    }

    /** Shuts a node down gracefully and waits (bounded) for it; null-safe and idempotent. */
    public static void close(SkeinNode node) {
        if (node == null) {
            return;
        }
        if (node.system().whenTerminated().isCompleted()) {
            return; // already gone (a test killed it); its coordinated shutdown cannot run any more
        }
        try {
            node.shutdown().toCompletableFuture().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("node " + node.nodeId() + " did not stop within " + STOP_TIMEOUT, e);
        }
        terminate(node.system());
    }

    /** Terminates an actor system and waits (bounded) for it; null-safe and idempotent. */
    public static void terminate(ActorSystem<?> system) {
        if (system == null) {
            return;
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("actor system " + system.name() + " did not terminate within " + STOP_TIMEOUT, e);
        }
    }
}
