package io.skein.governance.timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ReceiveTimeoutTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void aSilentStreamFailsWithDeadlineExceededAndIsCancelledUpstream() {
        Pair<TestPublisher.Probe<String>, TestSubscriber.Probe<String>> probes = TestSource.<String>probe(testKit.system().classicSystem())
                .via(ReceiveTimeout.flow(Duration.ofMillis(100)))
                .toMat(TestSink.<String>probe(testKit.system().classicSystem()), Keep.both())
                .run(testKit.system());
        TestPublisher.Probe<String> upstream = probes.first();
        TestSubscriber.Probe<String> downstream = probes.second();
        downstream.request(2);
        upstream.sendNext("first");
        downstream.expectNext("first");
        Throwable error = downstream.expectError();
        StatusException e = assertInstanceOf(StatusException.class, error);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, e.code());
        upstream.expectCancellation();
    }
}
