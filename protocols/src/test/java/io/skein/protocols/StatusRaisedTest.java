package io.skein.protocols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class StatusRaisedTest {

    @Test
    void aStatusMadeWithOfIsNotRaised() {
        assertFalse(Status.of(StatusCode.NOT_FOUND, "x").isRaised());
        assertFalse(Status.OK.isRaised());
    }

    @Test
    void aStatusRecoveredFromAStatusExceptionIsRaisedAndStillEqual() {
        Status failed = Status.of(StatusCode.NOT_FOUND, "no such key");
        Status recovered = Status.fromThrowable(new CompletionException(failed.asException()));
        assertTrue(recovered.isRaised());
        assertEquals(failed, recovered);
        assertSame(recovered, Status.fromThrowable(recovered.asException()), "raised once, not copied again");
        assertTrue(recovered.withCause(failed.asException()).isRaised(), "withCause keeps the mark");
    }

    @Test
    void aCrashReportedAsAStatusIsNotRaised() {
        // What the actors' CallGuard makes of a handler that threw.
        IllegalStateException crash = new IllegalStateException("bug");
        Status report = Status.of(StatusCode.INTERNAL, "service echo failed: " + crash).withCause(crash);
        assertFalse(Status.fromThrowable(report.asException()).isRaised());
    }

    @Test
    void anyOtherThrowableIsAnInternalStatusThatIsNotRaised() {
        Status s = Status.fromThrowable(new IllegalArgumentException("nope"));
        assertEquals(StatusCode.INTERNAL, s.code());
        assertFalse(s.isRaised());
        // ... and stays unraised when it is thrown on as a status.
        assertFalse(Status.fromThrowable(s.asException()).isRaised());
    }
}
