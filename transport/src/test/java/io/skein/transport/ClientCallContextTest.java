package io.skein.transport;

import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-call client context and the caller's future: the deadline starts when the call is made and
 * can only be shortened, attempts are children cancelled with their call, the future cannot be
 * completed by its holder, and it completes on the executor the caller chose.
 */
class ClientCallContextTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String HELD = "test.Ctx/Held";
    private static final MethodDescriptor<String, String> ECHO = TestServices.method(TestServices.ECHO, CallKind.UNARY);
    private static final MethodDescriptor<String, String> HELD_METHOD = TestServices.method(HELD, CallKind.UNARY);

    private static ActorTestKit testKit;
    private static RpcServer server;
    private static EndpointChannel channel;
    private static final LinkedBlockingQueue<CompletableFuture<String>> held = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("ClientCallContextTest", Servers.config(""));
        server = Servers.start(testKit.system(), TestServices.echo()
                .unary(HELD, (req, ctx) -> {
                    CompletableFuture<String> answer = new CompletableFuture<>();
                    held.add(answer);
                    return answer;
                })
                .build());
        channel = EndpointChannel.create(testKit.system(), server.localAddress());
    }

    @AfterAll
    static void stop() {
        channel.close();
        Await.result(server.shutdown(Duration.ofSeconds(1)), LIMIT);
        testKit.shutdownTestKit();
    }

    private static CompletableFuture<String> nextHeld() throws InterruptedException {
        CompletableFuture<String> answer = held.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        if (answer == null) {
            throw new AssertionError("the held call did not reach the service");
        }
        return answer;
    }

    @Test
    void theDeadlineStartsWhenTheCallIsMadeAndALayerCanOnlyShortenIt() {
        ClientCallContext context = ClientCallContext.create(ECHO, CallOptions.timeout(Duration.ofSeconds(5)));
        assertEquals(Duration.ofSeconds(5), context.timeout().orElseThrow());
        context.limitTimeout(Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(5), context.timeout().orElseThrow(), "a longer default never extends it");
        context.limitTimeout(Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(1), context.timeout().orElseThrow());
        ClientCallContext none = ClientCallContext.create(ECHO, CallOptions.DEFAULT);
        assertFalse(none.hasDeadline());
        none.limitTimeout(Duration.ofMillis(300));
        assertEquals(Duration.ofMillis(300), none.timeout().orElseThrow());
    }

    @Test
    void attemptsAreChildrenWithTheirOwnMetadataAndHintsCancelledWithTheirCall() {
        ClientCallContext call = ClientCallContext.create(ECHO, CallOptions.DEFAULT
                .withTimeout(Duration.ofSeconds(2)).withResponseMetadata(new ResponseMetadata()));
        Metadata retried = Metadata.builder().putPersistent("skein-retried", "1").build();
        ClientCallContext first = call.newAttempt(call.metadata(), Set.of());
        ClientCallContext second = call.newAttempt(retried, Set.of("node-a"));
        assertEquals(1, first.attempt());
        assertEquals(2, second.attempt());
        assertSame(call, second.parent());
        assertEquals(call.deadlineNanos(), second.deadlineNanos(), "attempts share the call's deadline");
        assertEquals(Set.of("node-a"), second.avoidInstances());
        assertEquals("1", second.metadata().get("skein-retried"));
        assertTrue(second.responseMetadata() != null && second.responseMetadata() != call.responseMetadata(),
                "each attempt captures its own response metadata");
        List<Status> seen = new CopyOnWriteArrayList<>();
        second.onCancel(seen::add);
        assertTrue(call.cancel());
        assertTrue(first.isCancelled() && second.isCancelled());
        assertEquals(StatusCode.CANCELLED, seen.get(0).code());
        assertFalse(call.cancel(), "a call is cancelled once");
        List<Status> late = new CopyOnWriteArrayList<>();
        call.onCancel(late::add);
        assertEquals(1, late.size(), "a listener added after the cancel runs at once");
    }

    @Test
    void theCallersFutureCannotBeCompletedByTheCaller() throws Exception {
        CallFuture<String> call = channel.unary(HELD_METHOD, "x", CallOptions.timeout(LIMIT));
        CompletableFuture<String> answer = nextHeld();
        assertThrows(UnsupportedOperationException.class, () -> call.complete("forged"));
        assertThrows(UnsupportedOperationException.class, () -> call.completeExceptionally(new RuntimeException()));
        assertThrows(UnsupportedOperationException.class, () -> call.obtrudeValue("forged"));
        assertThrows(UnsupportedOperationException.class, () -> call.orTimeout(1, TimeUnit.SECONDS));
        assertFalse(call.isDone());
        answer.complete("real");
        assertEquals("real", Await.result(call, LIMIT));
        assertEquals(HELD, call.context().method().fullName());
        assertEquals(server.localAddress(), call.context().remoteAddress());
    }

    @Test
    void cancellingTheFutureCancelsTheCallOnTheServer() throws Exception {
        CallFuture<String> call = channel.unary(HELD_METHOD, "x", CallOptions.timeout(LIMIT));
        nextHeld();
        assertTrue(call.cancel(true));
        assertEquals(StatusCode.CANCELLED, codeOf(Await.failure(call, LIMIT)));
        assertTrue(call.context().isCancelled());
        assertFalse(call.cancel(true), "cancelling an ended call does nothing");
    }

    @Test
    void theFutureCompletesOnTheExecutorTheCallerChose() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "caller-executor"));
        try {
            CallFuture<String> call = channel.unary(HELD_METHOD, "x", CallOptions.timeout(LIMIT).withExecutor(executor));
            AtomicReference<String> thread = new AtomicReference<>();
            CompletableFuture<String> observed = call.whenComplete((v, e) -> thread.set(Thread.currentThread().getName()));
            nextHeld().complete("done");
            assertEquals("done", Await.result(observed, LIMIT));
            assertEquals("caller-executor", thread.get());
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void withoutAnExecutorTheFutureCompletesOnAnIoThread() throws Exception {
        CallFuture<String> call = channel.unary(HELD_METHOD, "x", CallOptions.timeout(LIMIT));
        AtomicReference<String> thread = new AtomicReference<>();
        CompletableFuture<String> observed = call.whenComplete((v, e) -> thread.set(Thread.currentThread().getName()));
        nextHeld().complete("done");
        assertEquals("done", Await.result(observed, LIMIT));
        assertTrue(thread.get().startsWith("skein-io-"), thread.get());
        assertNull(CallOptions.DEFAULT.executor());
    }
}
