package io.skein.governance.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.testing.StringMarshaller;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Flow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A unary call refused before any processing is sent again to another instance, at once; any other
 * failure (including a connection lost while the call ran) is not, and the retries are bounded.
 */
class BalancedChannelTransparentRetryTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final MethodDescriptor<String, String> SAY = new MethodDescriptor<>("test.Echo/Say", CallKind.UNARY,
            StringMarshaller.INSTANCE, StringMarshaller.INSTANCE);
    private static final Duration WAIT = Duration.ofSeconds(5);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    /** Instances whose calls answer as {@code outcome} says: null = reply with the node id. */
    private final Map<String, Status> outcome = new ConcurrentHashMap<>();
    private final List<String> attempts = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

    private BalancedChannel channel(int retries, String... nodes) {
        List<Instance> instances = java.util.Arrays.stream(nodes).map(n -> Instance.of(n, "127.0.0.1", 1000)).toList();
        return BalancedChannel.builder(KIT.system(), StaticInstanceSource.of("test.Echo", instances))
                .opener(this::fake)
                .transparentRetries(retries)
                .build();
    }

    private ClientChannel fake(Instance instance) {
        return new ClientChannel() {
            @Override
            @SuppressWarnings("unchecked")
            public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                           ClientCallContext context) {
                attempts.add(instance.nodeId());
                if ("hang".equals(request)) {
                    CompletableFuture<String> f = new CompletableFuture<>();
                    context.onCancel(status -> f.cancel(true)); // as a transport does
                    pending.put(instance.nodeId(), f);
                    return (CompletionStage<Resp>) f;
                }
                Status s = outcome.get(instance.nodeId());
                return s == null ? CompletableFuture.completedFuture((Resp) instance.nodeId())
                        : CompletableFuture.failedFuture(s.asException());
            }

            @Override
            public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Done> closeAsync() {
                return CompletableFuture.completedFuture(Done.getInstance());
            }
        };
    }

    @Test
    void aDrainingNodesRefusalIsSentToAnotherInstance() {
        outcome.put("a", Status.of(StatusCode.UNAVAILABLE, "server is shutting down"));
        BalancedChannel ch = channel(2, "a", "b");
        for (int i = 0; i < 4; i++) {
            assertEquals("b", Await.result(ch.unary(SAY, "x", CallOptions.DEFAULT), WAIT));
        }
        // Round robin brings every call to "a" first (only the registry can tell that it is leaving).
        assertEquals(4, ch.transparentRetries(), attempts::toString);
    }

    @Test
    void aConnectFailureIsSentToAnotherInstance() {
        outcome.put("a", Status.of(StatusCode.UNAVAILABLE, "cannot connect to /127.0.0.1:1000: Connection refused"));
        BalancedChannel ch = channel(2, "a", "b");
        assertEquals("b", Await.result(ch.unary(SAY, "x", CallOptions.DEFAULT), WAIT));
        assertEquals(List.of("a", "b"), attempts);
    }

    @Test
    void aCallLostWhileRunningIsNotResent() {
        outcome.put("a", Status.of(StatusCode.UNAVAILABLE, "connection to server /127.0.0.1:1000 closed"));
        BalancedChannel ch = channel(2, "a", "b");
        Throwable failure = Await.failure(ch.unary(SAY, "x", CallOptions.DEFAULT), WAIT);
        assertEquals(StatusCode.UNAVAILABLE, Status.fromThrowable(failure).code());
        assertEquals(List.of("a"), attempts);
        assertEquals(0, ch.transparentRetries());
    }

    @Test
    void otherFailuresAreNotResent() {
        outcome.put("a", Status.of(StatusCode.INTERNAL, "server is shutting down"));
        BalancedChannel ch = channel(2, "a", "b");
        assertEquals(StatusCode.INTERNAL,
                Status.fromThrowable(Await.failure(ch.unary(SAY, "x", CallOptions.DEFAULT), WAIT)).code());
        assertEquals(List.of("a"), attempts);
    }

    @Test
    void retriesAreBoundedAndCanBeTurnedOff() {
        Status refused = Status.of(StatusCode.UNAVAILABLE, "server is shutting down");
        outcome.put("a", refused);
        outcome.put("b", refused);
        outcome.put("c", refused);
        outcome.put("d", refused);
        BalancedChannel ch = channel(2, "a", "b", "c", "d");
        assertEquals(refused, Status.fromThrowable(Await.failure(ch.unary(SAY, "x", CallOptions.DEFAULT), WAIT)));
        assertEquals(3, attempts.size(), attempts::toString);
        assertEquals(3, java.util.Set.copyOf(attempts).size(), "each attempt on another instance: " + attempts);

        attempts.clear();
        BalancedChannel off = channel(0, "a", "b");
        Await.failure(off.unary(SAY, "x", CallOptions.DEFAULT), WAIT);
        assertEquals(1, attempts.size(), attempts::toString);
    }

    @Test
    void anInstanceThatRefusedIsNotTriedAgain() {
        Status refused = Status.of(StatusCode.UNAVAILABLE, "server is shutting down");
        outcome.put("a", refused);
        BalancedChannel ch = channel(2, "a");
        assertEquals(refused, Status.fromThrowable(Await.failure(ch.unary(SAY, "x", CallOptions.DEFAULT), WAIT)));
        assertEquals(List.of("a"), attempts);

        attempts.clear();
        outcome.put("b", refused);
        BalancedChannel two = channel(5, "a", "b");
        assertEquals(refused, Status.fromThrowable(Await.failure(two.unary(SAY, "x", CallOptions.DEFAULT), WAIT)));
        assertEquals(2, attempts.size(), attempts::toString);
    }

    @Test
    void cancellingTheCallCancelsTheAttemptInFlight() {
        BalancedChannel ch = channel(2, "a");
        CompletableFuture<String> call = ch.unary(SAY, "hang", CallOptions.DEFAULT).toCompletableFuture();
        Await.until(WAIT, () -> pending.containsKey("a"));
        call.cancel(true);
        assertTrue(pending.get("a").isCancelled());
    }
}
