package io.skein.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.Targets;
import io.skein.runtime.reflection.Greeters;
import io.skein.runtime.reflection.testing.GreetReply;
import io.skein.runtime.reflection.testing.GreetRequest;
import io.skein.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A node bound to a wildcard address gives out a target and a node id with a host callers can dial. */
class SkeinNodeTargetTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    private static SkeinNode node(String host) {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"" + host + "\", port = 0, exit-wait = 100ms }"))
                .service(Greeters.definition())
                .reflection(false)
                .start();
    }

    private static void callsItselfThroughItsOwnTarget(SkeinNode node) {
        GreetReply reply = Await.result(node.client(node.target(), Greeters.GREETER)
                .unary("Greet", GreetRequest.class, GreetReply.class)
                .call(GreetRequest.newBuilder().setName("me").build()), LIMIT);
        assertEquals("hello me", reply.getText());
    }

    @Test
    void aNodeBoundToTheIpv4WildcardIsReachedThroughLoopback() {
        try (SkeinNode node = node("0.0.0.0")) {
            assertEquals("skein://127.0.0.1:" + node.address().getPort(), node.target());
            assertEquals("127.0.0.1:" + node.address().getPort(), node.nodeId());
            callsItselfThroughItsOwnTarget(node);
        }
    }

    @Test
    void aNodeBoundToTheIpv6WildcardIsReachedThroughLoopback() {
        try (SkeinNode node = node("::")) {
            assertEquals("skein://127.0.0.1:" + node.address().getPort(), node.target());
            callsItselfThroughItsOwnTarget(node);
        }
    }

    @Test
    void aNodeBoundToOneInterfaceUsesThatHost() {
        try (SkeinNode node = node("127.0.0.1")) {
            assertEquals("skein://127.0.0.1:" + node.address().getPort(), node.target());
            callsItselfThroughItsOwnTarget(node);
        }
    }

    @Test
    void aClientThatCannotBeBuiltLeavesTheNodeToCloseAndItsActorSystemTerminated() {
        SkeinNode node = node("0.0.0.0");
        try (node) {
            for (String bad : java.util.List.of("127.0.0.1:8080", "skein://:8080", "nope://host:1")) {
                assertThrows(IllegalArgumentException.class, () -> node.client(bad, Greeters.GREETER), bad);
            }
            callsItselfThroughItsOwnTarget(node);
        }
        // Closed in the try: nothing the failed clients started keeps the actor system (or a JVM) alive.
        assertTrue(node.system().whenTerminated().isCompleted());
    }

    @Test
    void aTargetWithoutASchemeIsRefusedWithAHintAtSkein() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Targets.parse("127.0.0.1:8080"));
        assertTrue(e.getMessage().contains("skein://127.0.0.1:8080"), e.getMessage());
        assertEquals("skein://[::1]:80", Targets.format("skein", "::1", 80));
    }
}
