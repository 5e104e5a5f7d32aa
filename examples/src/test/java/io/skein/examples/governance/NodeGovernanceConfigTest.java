package io.skein.examples.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.Calls;
import io.skein.examples.testing.TestNodes;
import io.skein.actors.client.ServiceClient;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.cli.Args;
import io.skein.runtime.cli.CallCommand;
import io.skein.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;

/**
 * What {@code serve --config} and {@code call --config} rely on: a {@link SkeinNode} enforces
 * {@code skein.server.limits} from its configuration, and {@link CallCommand} applies the client
 * policies of its actor system's configuration to a direct target.
 */
class NodeGovernanceConfigTest {

    private static final String SAY = "skein.examples.echo.Echo/Say";

    @Test
    void aNodeEnforcesTheServerLimitsOfItsConfigAndTheyChangeAtRunTime() {
        SkeinNode node = TestNodes.echoNode("skein.server.limits.methods.\"" + SAY + "\".max-concurrent-calls = 2");
        ActorSystem<Void> client = TestNodes.clientSystem("limits-client", "");
        try {
            ServiceClient echo = TestNodes.echoClient(client, node);
            var say = echo.unary("Say", EchoRequest.class, EchoReply.class);
            EchoRequest slow = EchoRequest.newBuilder().setMessage("slow").setDelayMs(60_000).build();
            CompletionStage<EchoReply> first = say.call(slow);
            CompletionStage<EchoReply> second = say.call(slow);
            Await.until(Calls.TIMEOUT, () -> node.limits().stats().methods().get(SAY).inFlight() == 2);
            var refused = Calls.assertFails(StatusCode.RESOURCE_EXHAUSTED, say.call(slow));
            assertTrue(refused.getMessage().contains(SAY), refused.getMessage());

            Await.result(node.limits().reload(com.typesafe.config.ConfigFactory.parseString(
                    "skein.server.limits.methods.\"" + SAY + "\".max-concurrent-calls = 3")
                    .withFallback(node.system().settings().config())), Calls.TIMEOUT);
            CompletionStage<EchoReply> third = say.call(slow);
            Await.until(Calls.TIMEOUT, () -> node.limits().stats().methods().get(SAY).inFlight() == 3);
            Calls.assertFails(StatusCode.RESOURCE_EXHAUSTED, say.call(slow));
            List.of(first, second, third).forEach(c -> c.toCompletableFuture().cancel(true));
        } finally {
            TestNodes.terminate(client);
            TestNodes.close(node);
        }
    }

    @Test
    void callAppliesTheClientPoliciesOfItsConfigToADirectTarget() {
        SkeinNode node = TestNodes.echoNode();
        ActorSystem<Void> cli = TestNodes.clientSystem("call-cli",
                "skein.client.services.\"skein.examples.echo.Echo\".methods.Say.timeout = 300ms");
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            String[] argv = {node.target(), SAY, "{\"message\":\"late\",\"delayMs\":20000}"};
            int exit = new CallCommand(cli, List.of(EchoProto.getDescriptor()), new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                    .run(Args.parse(argv, CallCommand.OPTIONS, Set.of()));
            String errors = err.toString(StandardCharsets.UTF_8);
            assertEquals(StatusCode.DEADLINE_EXCEEDED.value(), exit, errors);
            assertTrue(errors.contains("DEADLINE_EXCEEDED"), errors);
        } finally {
            TestNodes.terminate(cli);
            TestNodes.close(node);
        }
    }
}
