package io.skein.transport.internal.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.internal.call.CallStreamHarness.Wire;
import io.skein.transport.internal.testing.WireOp;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.StringMarshaller;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client side of {@link CallStreamStage} against a fake wire ({@link CallStreamHarness}): credits
 * and grants, cancel, deadline, and how the call ends from either side. Window 4 unless said
 * otherwise, so grants come in batches of 2.
 */
@ExtendWith(LeakDetectionExtension.class)
class CallStreamStageClientTest {

    private static final Metadata T = Metadata.builder().put("t", "1").build();

    private static ActorTestKit testKit;
    private static ActorSystem system;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("CallStreamStageClientTest", Servers.config(""));
        system = testKit.system().classicSystem();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static CallStreamHarness call(Wire wire) {
        return CallStreamHarness.client(system, CallKind.BIDI_STREAMING, null, wire);
    }

    private static StatusCode codeOf(Throwable failure) {
        return TestServices.codeOf(failure);
    }

    @Test
    void theCallOpensWithItsMethodKindMetadataAndTheConfiguredWindow() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.awaitStarted();
        assertEquals(List.of(CallStreamHarness.METHOD, CallKind.BIDI_STREAMING, Metadata.builder().put("k", "v").build(),
                4), h.openedWith(), "the window the stage was made with (a channel passes its configured one)");
        h.responses.cancel();
    }

    @Test
    void demandGrantsCreditsInBatchesOfHalfTheWindow() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.peerSends("1", "2", "3", "4");
        h.responses.request(1);
        h.responses.expectNext("1");
        h.assertNoOp();
        h.responses.request(1);
        h.responses.expectNext("2");
        assertEquals(new WireOp.Granted(2), h.nextOp());
        h.responses.request(2);
        h.responses.expectNext("3", "4");
        assertEquals(new WireOp.Granted(2), h.nextOp());
        h.assertNoOp();
        h.responses.cancel();
    }

    @Test
    void peerThatOverrunsItsGrantFailsTheCallResourceExhaustedAndIsReset() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.peerSends("1", "2", "3", "4", "5");

        String violation = "peer sent more messages than the 4 credits it was granted";
        assertEquals(List.of(new WireOp.ResetSent(StatusCode.CANCELLED, violation), new WireOp.Detached()),
                h.nextOps(2));
        Throwable failure = h.responses.expectSubscriptionAndError();
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(failure));
    }

    @Test
    void requestsGoOutOnlyAsThePeerGrantsCredits() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.requests.sendNext("a").sendNext("b").sendNext("c");
        h.assertNoOp();

        h.peerGrants(2);
        assertEquals(List.of(new WireOp.Sent("a"), new WireOp.Sent("b")), h.nextOps(2));
        h.assertNoOp();
        h.peerGrants(1);
        assertEquals(new WireOp.Sent("c"), h.nextOp());
        h.responses.cancel();
    }

    @Test
    void anUnwritableWireHoldsRequestsUntilItIsWritableAgain() {
        CallStreamHarness h = CallStreamHarness.client(system, CallKind.BIDI_STREAMING, null, Wire.credits(10, 4),
                true, null);
        h.awaitStarted();
        h.writable(false);
        h.completeOpen();
        h.requests.sendNext("a");
        h.assertNoOp();

        h.writable(true);
        assertEquals(new WireOp.Sent("a"), h.nextOp());
        h.responses.cancel();
    }

    @Test
    void cancellingTheResponsesResetsTheCallOnTheWire() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.awaitStarted();
        h.responses.cancel();

        assertEquals(List.of(new WireOp.ResetSent(StatusCode.CANCELLED, "cancelled by client"), new WireOp.Detached()),
                h.nextOps(2));
        h.requests.expectCancellation();
    }

    @Test
    void deadlineFailsTheCallDeadlineExceededAndResetsIt() {
        CallStreamHarness h = CallStreamHarness.client(system, CallKind.BIDI_STREAMING, Duration.ofMillis(200),
                Wire.credits(0, 4));
        Throwable failure = h.responses.expectSubscriptionAndError();

        assertEquals(StatusCode.DEADLINE_EXCEEDED, codeOf(failure));
        assertEquals(List.of(new WireOp.ResetSent(StatusCode.DEADLINE_EXCEEDED, "deadline of 200 ms exceeded"),
                new WireOp.Detached()), h.nextOps(2));
    }

    @Test
    void serverTrailersCompleteTheCallAfterItsMessages() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        Metadata headers = Metadata.builder().put("h", "1").build();
        h.peerHeaders(headers);
        h.peerSends("a", "b");
        h.peerTrailers(Status.OK, T);

        h.responses.request(10);
        h.responses.expectNext("a", "b");
        h.responses.expectComplete();
        h.requests.expectCancellation();
        assertEquals(headers, h.responseMetadata.headers().getNow(null));
        assertEquals(T, h.responseMetadata.trailers().getNow(null));
        assertEquals(List.of(new WireOp.Detached()), h.nextOps(1), "the server ended the call: no reset");
        h.assertNoOp();
    }

    @Test
    void serverErrorTrailersFailTheCallAfterItsMessages() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.peerSends("a");
        h.peerTrailers(Status.of(StatusCode.ABORTED, "no"), Metadata.EMPTY);

        h.responses.request(10);
        h.responses.expectNext("a");
        assertEquals(Status.of(StatusCode.ABORTED, "no"), Status.fromThrowable(
                h.responses.expectError()));
        assertEquals(new WireOp.Detached(), h.nextOp());
    }

    @Test
    void clientHalfClosesThenTheServerCompletesTheCall() {
        CallStreamHarness h = call(Wire.credits(1, 4));
        h.requests.sendNext("a").sendComplete();
        assertEquals(List.of(new WireOp.Sent("a"), new WireOp.HalfClosed()), h.nextOps(2));

        h.peerSends("A");
        h.peerTrailers(Status.OK, Metadata.EMPTY);
        h.responses.request(10);
        h.responses.expectNext("A");
        h.responses.expectComplete();
        assertEquals(new WireOp.Detached(), h.nextOp());
    }

    @Test
    void halfCloseBeforeTheCallIsOpenGoesOutOnceItOpens() {
        CallStreamHarness h = CallStreamHarness.client(system, CallKind.CLIENT_STREAMING, null, Wire.credits(0, 4),
                true, null);
        h.requests.sendComplete();
        h.awaitStarted();
        h.assertNoOp();

        h.completeOpen();
        assertEquals(new WireOp.HalfClosed(), h.nextOp());
        h.peerSends("sum");
        h.peerTrailers(Status.OK, Metadata.EMPTY);
        h.responses.request(1);
        h.responses.expectNext("sum");
        h.responses.expectComplete();
    }

    @Test
    void peerResetFailsTheCallWithItsStatusAndNothingIsSentBack() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.peerResets(StatusCode.UNAVAILABLE, "server going away");

        assertEquals(Status.of(StatusCode.UNAVAILABLE, "server going away"),
                Status.fromThrowable(h.responses.expectSubscriptionAndError()));
        assertEquals(new WireOp.Detached(), h.nextOp());
    }

    @Test
    void connectionLossFailsTheCallUnavailable() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.connectionClosed(Status.of(StatusCode.UNAVAILABLE, "connection closed"));

        assertEquals(StatusCode.UNAVAILABLE, codeOf(h.responses.expectSubscriptionAndError()));
        assertEquals(new WireOp.Detached(), h.nextOp());
        h.assertNoOp();
    }

    @Test
    void callThatCannotBeOpenedFailsWithTheOpenersStatus() {
        Status refused = Status.of(StatusCode.UNAVAILABLE, "cannot connect");
        CallStreamHarness h = CallStreamHarness.client(system, CallKind.BIDI_STREAMING, null, Wire.credits(0, 4),
                false, refused);

        assertEquals(refused, Status.fromThrowable(h.responses.expectSubscriptionAndError()));
        h.assertNoOp();
    }

    @Test
    void unparsableResponseFailsTheCallInternalAndResetsIt() {
        CallStreamHarness h = call(Wire.credits(0, 4));
        h.peerSends(StringMarshaller.POISON);

        WireOp reset = h.nextOp();
        assertEquals(StatusCode.CANCELLED, ((WireOp.ResetSent) reset).code());
        assertEquals(StatusCode.INTERNAL, codeOf(h.responses.expectSubscriptionAndError()));
    }

    @Test
    void oversizedRequestFailsTheCallResourceExhaustedAndResetsIt() {
        CallStreamHarness h = call(Wire.credits(10, 4).maxMessageSize(10));
        h.requests.sendNext("x".repeat(20));

        assertEquals(List.of(new WireOp.ResetSent(StatusCode.CANCELLED, "message of 20 bytes exceeds the limit of 10"),
                new WireOp.Detached()), h.nextOps(2));
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(h.responses.expectSubscriptionAndError()));
    }
}
