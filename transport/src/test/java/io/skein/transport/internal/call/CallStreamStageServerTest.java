package io.skein.transport.internal.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.internal.call.CallStreamHarness.Wire;
import io.skein.transport.internal.testing.WireOp;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.StringMarshaller;
import java.util.List;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server side of {@link CallStreamStage} against a fake wire ({@link CallStreamHarness}): the
 * service is played by stream probes. Window 4, so grants come in batches of 2.
 */
@ExtendWith(LeakDetectionExtension.class)
class CallStreamStageServerTest {

    private static final Metadata H = Metadata.builder().put("h", "1").build();
    private static final Metadata T = Metadata.builder().put("t", "1").build();

    private static ActorTestKit testKit;
    private static ActorSystem system;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("CallStreamStageServerTest", Servers.config(""));
        system = testKit.system().classicSystem();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static CallStreamHarness call(int clientCredits) {
        return CallStreamHarness.server(system, CallKind.BIDI_STREAMING, 0, Wire.credits(clientCredits, 4));
    }

    private static Status termination(CallStreamHarness h) {
        return Await.result(h.context.termination(), CallStreamHarness.LIMIT);
    }

    @Test
    void theServerGrantsItsWindowFirst() {
        CallStreamHarness h = call(10);
        assertEquals(new WireOp.Granted(4), h.nextOp());
        h.assertNoOp();
        h.serviceOutput.sendComplete();
    }

    @Test
    void headersGoBeforeTheFirstMessageAndTrailersLast() {
        CallStreamHarness h = call(10);
        h.context.setResponseHeaders(H);
        h.context.setResponseTrailers(T);
        h.serviceOutput.sendNext("a").sendNext("b").sendComplete();

        assertEquals(List.of(new WireOp.Granted(4), new WireOp.HeadersSent(H), new WireOp.Sent("a"),
                new WireOp.Sent("b"), new WireOp.TrailersSent(Status.OK, T), new WireOp.Detached()), h.nextOps(6));
        assertEquals(Status.OK, termination(h));
    }

    @Test
    void aCallWithoutMessagesStillSendsHeadersBeforeItsTrailers() {
        CallStreamHarness h = call(10);
        h.serviceOutput.sendComplete();

        assertEquals(List.of(new WireOp.Granted(4), new WireOp.HeadersSent(Metadata.EMPTY),
                new WireOp.TrailersSent(Status.OK, Metadata.EMPTY), new WireOp.Detached()), h.nextOps(4));
    }

    @Test
    void responsesGoOutOnlyWithinTheClientsCredits() {
        CallStreamHarness h = call(1);
        h.serviceOutput.sendNext("a").sendNext("b");
        assertEquals(List.of(new WireOp.Granted(4), new WireOp.HeadersSent(Metadata.EMPTY), new WireOp.Sent("a")),
                h.nextOps(3));
        h.assertNoOp();

        h.peerGrants(1);
        assertEquals(new WireOp.Sent("b"), h.nextOp());
        h.serviceOutput.sendComplete();
    }

    @Test
    void requestsReachTheServiceAndTheClientsHalfCloseEndsThem() {
        CallStreamHarness h = call(10);
        assertEquals(new WireOp.Granted(4), h.nextOp());
        h.peerSends("a", "b");
        h.peerHalfCloses();

        h.serviceInput.request(10);
        h.serviceInput.expectNext("a", "b");
        h.serviceInput.expectComplete();
        assertEquals(new WireOp.Granted(2), h.nextOp(), "two taken: half the window granted again");
        h.serviceOutput.sendComplete();
    }

    @Test
    void clientResetTerminatesTheContextCancelledAndNoTrailersAreSent() {
        CallStreamHarness h = call(10);
        assertEquals(new WireOp.Granted(4), h.nextOp());
        h.peerResets(StatusCode.CANCELLED, "bye");

        assertEquals(Status.of(StatusCode.CANCELLED, "bye"), termination(h));
        h.serviceOutput.expectCancellation();
        assertEquals(new WireOp.Detached(), h.nextOp());
        h.assertNoOp();
    }

    @Test
    void clientResetForItsDeadlineTerminatesTheContextDeadlineExceeded() {
        CallStreamHarness h = call(10);
        h.peerResets(StatusCode.DEADLINE_EXCEEDED, "client deadline");
        assertEquals(Status.of(StatusCode.DEADLINE_EXCEEDED, "client deadline"), termination(h));
    }

    @Test
    void clientResetWithAnyOtherCodeIsACancel() {
        CallStreamHarness h = call(10);
        h.peerResets(StatusCode.INTERNAL, "client request stream failed");
        assertEquals(Status.of(StatusCode.CANCELLED, "client request stream failed"), termination(h));
    }

    @Test
    void failingServiceEndsTheCallWithItsStatus() {
        CallStreamHarness h = call(10);
        h.serviceOutput.sendNext("a").sendError(new StatusException(StatusCode.ABORTED, "nope"));

        assertEquals(List.of(new WireOp.Granted(4), new WireOp.HeadersSent(Metadata.EMPTY), new WireOp.Sent("a"),
                new WireOp.TrailersSent(Status.of(StatusCode.ABORTED, "nope"), Metadata.EMPTY), new WireOp.Detached()),
                h.nextOps(5));
        assertEquals(Status.of(StatusCode.ABORTED, "nope"), termination(h));
    }

    @Test
    void deadlineEndsTheCallWithTrailersDeadlineExceeded() {
        CallStreamHarness h = CallStreamHarness.server(system, CallKind.BIDI_STREAMING, 200, Wire.credits(10, 4));
        Status expired = Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of 200 ms exceeded on the server");

        assertEquals(List.of(new WireOp.Granted(4), new WireOp.HeadersSent(Metadata.EMPTY),
                new WireOp.TrailersSent(expired, Metadata.EMPTY), new WireOp.Detached()), h.nextOps(4));
        assertEquals(expired, termination(h));
        h.serviceOutput.expectCancellation();
    }

    @Test
    void clientThatOverrunsItsGrantEndsTheCallResourceExhausted() {
        CallStreamHarness h = call(10);
        h.peerSends("1", "2", "3", "4", "5");

        Status violation = Status.of(StatusCode.RESOURCE_EXHAUSTED,
                "peer sent more messages than the 4 credits it was granted");
        assertEquals(List.of(new WireOp.Granted(4), new WireOp.HeadersSent(Metadata.EMPTY),
                new WireOp.TrailersSent(violation, Metadata.EMPTY), new WireOp.Detached()), h.nextOps(4));
        assertEquals(violation, termination(h));
    }

    @Test
    void unparsableRequestEndsTheCallInvalidArgument() {
        CallStreamHarness h = call(10);
        h.peerSends(StringMarshaller.POISON);

        List<WireOp> ops = h.nextOps(4);
        WireOp.TrailersSent trailers = (WireOp.TrailersSent) ops.get(2);
        assertEquals(StatusCode.INVALID_ARGUMENT, trailers.status().code());
        assertTrue(trailers.status().message().startsWith("cannot parse request of " + CallStreamHarness.METHOD),
                trailers::toString);
        assertEquals(StatusCode.INVALID_ARGUMENT, termination(h).code());
    }

    @Test
    void serviceThatStopsReadingKeepsTheClientGranted() {
        CallStreamHarness h = call(10);
        assertEquals(new WireOp.Granted(4), h.nextOp());
        h.serviceInput.cancel();
        h.peerSends("1", "2", "3", "4");

        assertEquals(List.of(new WireOp.Granted(2), new WireOp.Granted(2)), h.nextOps(2),
                "requests nobody reads are dropped and granted again, so the client never stalls");
        h.serviceOutput.sendNext("done").sendComplete();
        assertEquals(List.of(new WireOp.HeadersSent(Metadata.EMPTY), new WireOp.Sent("done"),
                new WireOp.TrailersSent(Status.OK, Metadata.EMPTY), new WireOp.Detached()), h.nextOps(4));
    }

    @Test
    void connectionLossEndsTheCallUnavailableWithoutTrailers() {
        CallStreamHarness h = call(10);
        assertEquals(new WireOp.Granted(4), h.nextOp());
        h.connectionClosed(Status.of(StatusCode.UNAVAILABLE, "connection closed"));

        assertEquals(Status.of(StatusCode.UNAVAILABLE, "connection closed"), termination(h));
        assertEquals(new WireOp.Detached(), h.nextOp());
        h.assertNoOp();
    }
}
