package io.skein.transport.internal.call;

import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallFuture;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one unary client call, against transport sources that misbehave. */
class ClientUnaryCallTest {

    private static final MethodDescriptor<String, String> ECHO = TestServices.method(TestServices.ECHO, CallKind.UNARY);
    private static EventLoopGroup timers;

    @BeforeAll
    static void start() {
        timers = new DefaultEventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        timers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A pool whose actor never answers: no transport is ever ready, an acquire never completes. */
    private static final class NeverAnswers implements TransportSource {
        final CompletableFuture<ClientTransport> pending = new CompletableFuture<>();

        @Override
        public ClientTransport ready() {
            return null;
        }

        @Override
        public CompletionStage<ClientTransport> acquire() {
            return pending;
        }
    }

    @Test
    void aPoolThatNeverAnswersIsBoundedByTheCallsDeadline() {
        ClientCallContext context = ClientCallContext.create(ECHO, CallOptions.timeout(Duration.ofMillis(200)));
        CallFuture<String> call = ClientUnaryCall.start(context, ECHO, "x", new NeverAnswers(), 1 << 20, timers);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, codeOf(Await.failure(call, Duration.ofSeconds(10))));
    }

    @Test
    void aCallCancelledWhileWaitingForAConnectionEndsCancelled() {
        ClientCallContext context = ClientCallContext.create(ECHO, CallOptions.DEFAULT);
        CallFuture<String> call = ClientUnaryCall.start(context, ECHO, "x", new NeverAnswers(), 1 << 20, timers);
        call.cancel(true);
        assertEquals(StatusCode.CANCELLED, codeOf(Await.failure(call, Duration.ofSeconds(10))));
    }

    @Test
    void aRequestOverTheProtocolsLimitFailsResourceExhaustedWithoutAConnection() {
        ClientCallContext context = ClientCallContext.create(ECHO, CallOptions.DEFAULT);
        CallFuture<String> call = ClientUnaryCall.start(context, ECHO, "x".repeat(100), new NeverAnswers(), 10, timers);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(Await.failure(call, Duration.ofSeconds(10))));
    }

    @Test
    void aDeadlineAlreadyPassedFailsBeforeAnythingIsSent() {
        ClientCallContext context = ClientCallContext.create(ECHO, CallOptions.timeout(Duration.ofNanos(1)));
        NeverAnswers source = new NeverAnswers();
        CallFuture<String> call = ClientUnaryCall.start(context, ECHO, "x", source, 1 << 20, timers);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, codeOf(Await.failure(call, Duration.ofSeconds(10))));
    }
}
