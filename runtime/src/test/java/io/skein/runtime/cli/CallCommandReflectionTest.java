package io.skein.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.typesafe.config.ConfigFactory;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.reflection.Greeters;
import io.skein.runtime.reflection.testing.GreetReply;
import io.skein.runtime.reflection.testing.GreeterProto;
import io.skein.runtime.reflection.testing.Mood;
import io.skein.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code call} against a service the command has no compiled descriptors for: it asks the node's
 * reflection service and calls with dynamic messages, over {@code skein://}.
 */
class CallCommandReflectionTest {

    private static SkeinNode node;
    private static SkeinNode plain;
    private static ActorSystem<Void> cli;

    @BeforeAll
    static void start() {
        node = Greeters.node(true);
        plain = Greeters.node(false);
        cli = ActorSystem.create(Behaviors.empty(), "cli", ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() {
        try {
            cli.terminate();
            Await.result(cli.getWhenTerminated(), Duration.ofSeconds(30));
        } finally {
            try {
                Greeters.close(node);
            } finally {
                Greeters.close(plain);
            }
        }
    }

    private record Outcome(int exit, List<String> out, String err) {
    }

    private static Outcome run(SkeinNode target, Collection<com.google.protobuf.Descriptors.FileDescriptor> files,
                               String stdin, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] full = new String[argv.length + 1];
        full[0] = target.target();
        System.arraycopy(argv, 0, full, 1, argv.length);
        int exit = new CallCommand(cli, files, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(Args.parse(full, CallCommand.OPTIONS, Set.of()));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8).lines().toList(),
                err.toString(StandardCharsets.UTF_8));
    }

    private static GreetReply parse(String json) {
        GreetReply.Builder b = GreetReply.newBuilder();
        try {
            JsonFormat.parser().merge(json, b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a GreetReply: " + json, e);
        }
        return b.build();
    }

    @Test
    void healthCheckWorksOnAnyNodeWithoutReflection() {
        Outcome o = run(plain, List.of(), "", "grpc.health.v1.Health/Check", "{}", "--timeout", "10000");
        assertEquals(0, o.exit(), o::toString);
        assertEquals(List.of("{\"status\":\"SERVING\"}"), o.out(), o::toString);
        o = run(plain, List.of(), "", "grpc.health.v1.Health/Check", "{\"service\":\"skein.reflect.test.Greeter\"}");
        assertEquals(List.of("{\"status\":\"SERVING\"}"), o.out(), o::toString);
        o = run(plain, List.of(), "", "grpc.health.v1.Health/Check", "{\"service\":\"no.Such\"}");
        assertEquals(5, o.exit(), o::toString);
        assertEquals("ERROR NOT_FOUND: unknown service no.Such", o.err().strip(), o::toString);
    }

    @Test
    void unaryThroughReflection() {
        Outcome o = run(node, List.of(), "", "skein.reflect.test.Greeter/Greet",
                "{\"name\":\"dyn\",\"mood\":\"HAPPY\"}", "--timeout", "10000");
        assertEquals(0, o.exit(), o::toString);
        assertEquals(1, o.out().size(), o::toString);
        GreetReply reply = parse(o.out().get(0));
        assertEquals("hello dyn", reply.getText());
        assertEquals(Mood.HAPPY, reply.getMood());
        assertEquals(1_700_000_000L, reply.getAt().getSeconds());
        // Well-known types print in their JSON form, enums by name.
        assertTrue(o.out().get(0).contains("\"at\":\"2023-11-14T22:13:20Z\""), o::toString);
        assertTrue(o.out().get(0).contains("\"mood\":\"HAPPY\""), o::toString);
    }

    @Test
    void serverStreamingAndBidiThroughReflection() {
        Outcome many = run(node, List.of(), "", "skein.reflect.test.Greeter/GreetMany", "{\"name\":\"s\",\"times\":3}");
        assertEquals(0, many.exit(), many::toString);
        assertEquals(List.of("hello s #1", "hello s #2", "hello s #3"),
                many.out().stream().map(l -> parse(l).getText()).toList());

        Outcome chat = run(node, List.of(), "{\"name\":\"a\"}\n{\"name\":\"b\"}\n", "skein.reflect.test.Greeter/Chat");
        assertEquals(0, chat.exit(), chat::toString);
        assertEquals(List.of("hello a", "hello b"), chat.out().stream().map(l -> parse(l).getText()).toList());
    }

    @Test
    void serverErrorsKeepTheirStatus() {
        Outcome o = run(node, List.of(), "", "skein.reflect.test.Greeter/Greet", "{\"name\":\"nobody\"}");
        assertEquals(5, o.exit(), o::toString);
        assertTrue(o.err().lines().anyMatch(l -> l.equals("ERROR NOT_FOUND: nobody to greet")), o::toString);
    }

    @Test
    void unknownServiceOrMethodIsInvalidArgument() {
        Outcome service = run(node, List.of(), "", "no.such.Service/Call", "{}");
        assertEquals(3, service.exit(), service::toString);
        assertTrue(service.err().contains("unknown service no.such.Service"), service::toString);
        assertTrue(service.err().contains("NOT_FOUND"), service::toString);

        Outcome method = run(node, List.of(), "", "skein.reflect.test.Greeter/Nope", "{}");
        assertEquals(3, method.exit(), method::toString);
        assertTrue(method.err().contains("has no method Nope"), method::toString);

        Outcome badJson = run(node, List.of(), "", "skein.reflect.test.Greeter/Greet", "{\"nope\":1}");
        assertEquals(3, badJson.exit(), badJson::toString);
        assertTrue(badJson.err().contains("skein.reflect.test.GreetRequest"), badJson::toString);
    }

    @Test
    void withoutReflectionOnlyCompiledServicesWork() {
        Outcome unknown = run(plain, List.of(), "", "skein.reflect.test.Greeter/Greet", "{\"name\":\"x\"}");
        assertEquals(3, unknown.exit(), unknown::toString);
        assertTrue(unknown.err().contains("UNIMPLEMENTED"), unknown::toString);

        Outcome compiled = run(plain, List.of(GreeterProto.getDescriptor()), "", "skein.reflect.test.Greeter/Greet",
                "{\"name\":\"x\"}");
        assertEquals(0, compiled.exit(), compiled::toString);
        assertEquals("hello x", parse(compiled.out().get(0)).getText());
    }
}
