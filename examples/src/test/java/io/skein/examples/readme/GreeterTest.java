package io.skein.examples.readme;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.EchoSkein;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import java.util.List;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's Greeter, served from its generated bindings and called through the generated client. */
class GreeterTest {

    private static SkeinNode node;
    private static EchoSkein.Client greeter;
    private static Materializer mat;

    @BeforeAll
    static void start() {
        node = TestNodes.node(Greeter.definition(), "");
        greeter = EchoSkein.client(node.system(), node.target());
        mat = Materializer.matFromSystem(node.system());
    }

    @AfterAll
    static void stop() {
        TestNodes.close(node);
    }

    private static EchoRequest req(String message) {
        return EchoRequest.newBuilder().setMessage(message).build();
    }

    @Test
    void theGeneratedClientCallsTheMethodsTheActorHandles() {
        assertEquals("hello you", await(greeter.say(req("you"))).getMessage());
        List<EchoReply> replies = await(greeter.chat(Source.from(List.of(req("a"), req("b")))).runWith(Sink.seq(), mat));
        assertEquals(List.of("a", "b"), replies.stream().map(EchoReply::getMessage).toList());
    }

    @Test
    void methodsTheActorHasNoCaseForAreUnimplementedNotHung() {
        assertFails(StatusCode.UNIMPLEMENTED, greeter.repeat(RepeatRequest.newBuilder().setCount(1).build())
                .runWith(Sink.seq(), mat));
        assertFails(StatusCode.UNIMPLEMENTED, greeter.collect(Source.single(req("x"))));
        assertEquals("hello again", await(greeter.say(req("again"))).getMessage());
    }
}
