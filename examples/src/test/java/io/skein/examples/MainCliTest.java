package io.skein.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.testing.ChildJvm;
import io.skein.runtime.cli.ExitCodes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The {@code skein} command line as a user runs it: {@code serve} in one child JVM, each {@code call}
 * in another, talking over a real socket. The last test stops the server with SIGTERM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MainCliTest {

    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CALL = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)");
    private static final String SAY = "skein.examples.echo.Echo/Say";

    private static ChildJvm server;
    private static String target;
    private static String nodeId;

    @BeforeAll
    static void serve() {
        // INFO for io.skein, so the graceful drain on SIGTERM shows in the server's stderr.
        server = ChildJvm.start(Map.of("SKEIN_LOG_LEVEL", "INFO"),
                "serve", "--port", "0", "--host", "127.0.0.1");
        String line = server.awaitLine(l -> LISTENING.matcher(l).find(), START);
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.find());
        assertEquals("127.0.0.1", m.group(1), line);
        nodeId = m.group(1) + ":" + m.group(2);
        target = "skein://" + nodeId;
    }

    @AfterAll
    static void killChildren() {
        ChildJvm.killAll();
    }

    private static EchoReply parse(String json) {
        EchoReply.Builder b = EchoReply.newBuilder();
        try {
            JsonFormat.parser().merge(json, b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not an EchoReply in JSON: " + json, e);
        }
        return b.build();
    }

    private static ChildJvm call(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = "call";
        System.arraycopy(args, 0, argv, 1, args.length);
        return ChildJvm.start(argv);
    }

    @Test
    @Order(1)
    void unaryCallPrintsTheReplyAsOneJsonLine() {
        ChildJvm call = call(target, SAY, "{\"message\":\"hi there\",\"payload\":\"AQID\"}");
        assertEquals(0, call.awaitExit(CALL), call::toString);
        List<String> out = call.stdout();
        assertEquals(1, out.size(), call::toString);
        EchoReply reply = parse(out.get(0));
        assertEquals("hi there", reply.getMessage());
        assertEquals(ByteString.copyFrom(new byte[] {1, 2, 3}), reply.getPayload());
        assertEquals(nodeId, reply.getServedBy());
    }

    @Test
    @Order(2)
    void serverStreamingCallPrintsOneJsonLinePerReply() {
        ChildJvm call = call(target, "skein.examples.echo.Echo/Repeat", "{\"message\":\"r\",\"count\":4}");
        assertEquals(0, call.awaitExit(CALL), call::toString);
        List<String> out = call.stdout();
        assertEquals(4, out.size(), call::toString);
        for (int i = 0; i < out.size(); i++) {
            EchoReply r = parse(out.get(i));
            assertEquals(i, r.getSeq());
            assertEquals("r", r.getMessage());
            assertEquals(nodeId, r.getServedBy());
        }
    }

    @Test
    @Order(3)
    void clientStreamingCallReadsRequestsFromStdin() {
        ChildJvm call = call(target, "skein.examples.echo.Echo/Collect");
        call.writeStdinAndClose("{\"message\":\"a\"}\n\n{\"message\":\"b\"}\n{\"message\":\"c\"}\n");
        assertEquals(0, call.awaitExit(CALL), call::toString);
        List<String> out = call.stdout();
        assertEquals(1, out.size(), call::toString);
        EchoReply reply = parse(out.get(0));
        assertEquals("a,b,c", reply.getMessage());
        assertEquals(3, reply.getSeq());
    }

    @Test
    @Order(4)
    void failedCallExitsWithTheStatusCodeAndPrintsTheErrorOnStderr() {
        ChildJvm call = call(target, SAY, "{\"message\":\"not for you\",\"failWith\":7}");
        assertEquals(7, call.awaitExit(CALL), call::toString);
        assertTrue(call.stdout().isEmpty(), call::toString);
        assertTrue(call.stderr().lines().anyMatch(l -> l.equals("ERROR PERMISSION_DENIED: not for you")),
                call::toString);
    }

    @Test
    @Order(5)
    void timeoutExitsWithDeadlineExceeded() {
        ChildJvm call = call(target, SAY, "{\"message\":\"slow\",\"delayMs\":5000}", "--timeout", "300");
        assertEquals(4, call.awaitExit(CALL), call::toString);
        // Exit code 4 and DEADLINE_EXCEEDED show the deadline ended the call before the 5 s reply.
        assertTrue(call.stderr().lines().anyMatch(l -> l.startsWith("ERROR DEADLINE_EXCEEDED: ")), call::toString);
    }

    @Test
    @Order(6)
    void usageErrorsExitWithTheUsageCodeInProcess() {
        // Only argument errors run in this JVM: they fail before anything starts.
        assertEquals(ExitCodes.USAGE, Main.run(new String[0]));
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"no-such-command"}));
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"serve", "--no-such-option", "1"}));
        assertEquals(ExitCodes.USAGE, Main.run(new String[] {"serve", "--port"}));
    }

    @Test
    @Order(7)
    void selfTestServesAndCallsItselfWithTheFourCallKinds() {
        try (ChildJvm selfTest = ChildJvm.start("self-test")) {
            assertEquals(0, selfTest.awaitExit(CALL), selfTest::toString);
            // Say, Repeat (count 2), Collect and Chat: five replies, all from the node it started.
            List<EchoReply> replies = selfTest.stdout().stream().map(MainCliTest::parse).toList();
            assertEquals(5, replies.size(), selfTest::toString);
            assertTrue(replies.stream().allMatch(r -> r.getMessage().equals("self-test")
                    && r.getServedBy().startsWith("127.0.0.1:")), selfTest::toString);
        }
    }

    @Test
    @Order(100)
    void sigtermStopsTheServerGracefully() {
        assertTrue(server.process().isAlive(), "the server died early: " + server);
        server.process().destroy(); // SIGTERM
        int exit = server.awaitExit(Duration.ofSeconds(20));
        // Main's System.exit(0) races the shutdown hooks; the JVM then exits with 0 or 128 + SIGTERM.
        assertTrue(exit == 0 || exit == 143, "exit code " + exit + "; " + server);
        assertTrue(server.stderr().contains("draining"), "no graceful drain in the server's log: " + server);
        assertTrue(server.stderr().lines().noneMatch(l -> l.startsWith("\tat ") || l.contains(" ERROR ")),
                "a normal exit prints no error or stack trace: " + server);
    }
}
