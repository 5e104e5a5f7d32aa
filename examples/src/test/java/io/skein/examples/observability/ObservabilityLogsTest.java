package io.skein.examples.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.skein.actors.protobuf.ProtobufMarshaller;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.MethodDescriptor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The access log writes one structured line per call on each side (with a slow-call threshold that logs
 * what sampling leaves out), and refused calls are logged at most once per status code and interval,
 * with the count of those not logged. Read from Logback as an appender sees them.
 */
class ObservabilityLogsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger access = (Logger) LoggerFactory.getLogger("skein.access");
    private final Logger refusals = (Logger) LoggerFactory.getLogger("skein.refusals");
    private Level accessLevel;
    private SkeinNode node;

    private void start(String observability) {
        lines.start();
        accessLevel = access.getLevel();
        access.setLevel(Level.INFO);
        access.addAppender(lines);
        refusals.addAppender(lines);
        node = TestNodes.echoNode("skein.observability { " + observability + " }\npekko.loglevel = WARNING\n");
    }

    @AfterEach
    void stop() {
        access.detachAppender(lines);
        refusals.detachAppender(lines);
        access.setLevel(accessLevel);
        TestNodes.close(node);
    }

    private List<String> messages(String logger) {
        return lines.list.stream().filter(e -> e.getLoggerName().equals(logger)).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private void say(String target) {
        Await.result(node.client(target, TestNodes.ECHO).unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("logged").build()), WAIT);
    }

    @Test
    void theAccessLogHasOneLinePerCallOnEachSide() {
        start("access-log.enabled = on, tracing.sampler = always");
        say("grpc://127.0.0.1:" + node.address().getPort());
        Await.until(WAIT, () -> messages("skein.access").size() >= 2, () -> "access lines: " + lines.list);
        String server = messages("skein.access").stream().filter(l -> l.contains(" side=server ")).findFirst()
                .orElseThrow(() -> new AssertionError("no server line: " + lines.list));
        assertTrue(server.matches("start=\\S+ side=server protocol=grpc peer=127\\.0\\.0\\.1:\\d+"
                + " method=skein\\.examples\\.echo\\.Echo/Say status=OK duration_ms=\\d+\\.\\d{3}"
                + " request_bytes=\\d+ response_bytes=\\d+ trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16}"), server);
        String client = messages("skein.access").stream().filter(l -> l.contains(" side=client ")).findFirst()
                .orElseThrow(() -> new AssertionError("no client line: " + lines.list));
        assertTrue(client.contains(" protocol=grpc peer=127.0.0.1:" + node.address().getPort()
                + " method=skein.examples.echo.Echo/Say status=OK "), client);
    }

    @Test
    void callsAtLeastAsSlowAsTheThresholdAreLoggedWhateverTheSampling() {
        start("access-log { enabled = on, sample-rate = 0, slow-threshold = 1ns }");
        say(node.target());
        Await.until(WAIT, () -> messages("skein.access").size() >= 2, () -> "access lines: " + lines.list);
        assertTrue(messages("skein.access").stream().allMatch(l -> l.endsWith(" slow=true")), lines.list::toString);
    }

    @Test
    void refusalsAreLoggedOncePerIntervalWithTheCountOfTheOthers() {
        start("refusal-log.interval = 1h");
        // Not served: the dispatcher refuses it (UNIMPLEMENTED) before any processing.
        MethodDescriptor<EchoRequest, EchoReply> missing = new MethodDescriptor<>("skein.examples.echo.Echo/Missing",
                CallKind.UNARY, ProtobufMarshaller.of(EchoRequest.getDefaultInstance()),
                ProtobufMarshaller.of(EchoReply.getDefaultInstance()));
        for (int i = 0; i < 5; i++) {
            Throwable t = Await.failure(node.channel(node.target()).unary(missing, EchoRequest.getDefaultInstance(),
                    CallOptions.DEFAULT), WAIT);
            assertEquals(StatusCode.UNIMPLEMENTED, ((StatusException) t).status().code(), t::toString);
        }
        List<String> logged = messages("skein.refusals");
        assertEquals(1, logged.size(), () -> "one line for five refusals within the interval: " + logged);
        assertTrue(logged.get(0).startsWith("refused skein call skein.examples.echo.Echo/Missing from 127.0.0.1:"),
                logged.get(0));
    }
}
