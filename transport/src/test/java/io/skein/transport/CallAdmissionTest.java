package io.skein.transport;

import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link CallAdmission} contract as the server keeps it, over both protocols: asked once per call
 * before the request is parsed, a refusal answered with its status on a connection that stays usable,
 * an admitted call released exactly once with its final status however it ends, connections refused
 * at accept.
 */
class CallAdmissionTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String NEVER = "test.Admission/Never";
    private static final MethodDescriptor<String, String> ECHO = TestServices.method(TestServices.ECHO, CallKind.UNARY);
    private static final MethodDescriptor<String, String> CHAT =
            TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING);

    private static ActorTestKit testKit;
    private final Recording admission = new Recording();
    private RpcServer server;
    private EndpointChannel nativeChannel;
    private EndpointChannel grpcChannel;

    /** Records every question and release; refuses while {@link #refuse} is set. */
    static final class Recording implements CallAdmission {
        final Queue<String> asked = new ConcurrentLinkedQueue<>();
        final Queue<Status> released = new ConcurrentLinkedQueue<>();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        volatile Status refuse;
        volatile boolean explode;
        volatile int maxConnections = Integer.MAX_VALUE;

        @Override
        public Decision admit(String method, SocketAddress peer) {
            asked.add(method);
            if (explode) {
                throw new IllegalStateException("boom");
            }
            Status refusal = refuse;
            if (refusal != null) {
                return Decision.refused(refusal);
            }
            return new Decision() {
                @Override
                public Status refusal() {
                    return null;
                }

                @Override
                public void release(Status status) {
                    released.add(status);
                }
            };
        }

        @Override
        public boolean acceptConnection(SocketAddress peer) {
            if (connections.get() >= maxConnections) {
                return false;
            }
            connections.incrementAndGet();
            return true;
        }

        @Override
        public void connectionClosed(SocketAddress peer) {
            closed.incrementAndGet();
        }
    }

    @BeforeAll
    static void startKit() {
        testKit = ActorTestKit.create("CallAdmissionTest", Servers.config(""));
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void start() {
        server = Await.result(RpcServer.start(testKit.system(), new InetSocketAddress("127.0.0.1", 0),
                TestServices.echo().unary(NEVER, (req, ctx) -> new CompletableFuture<>()).build(),
                ServerOptions.builder().admission(admission).build()), LIMIT);
        nativeChannel = EndpointChannel.create(testKit.system(), server.localAddress());
        grpcChannel = EndpointChannel.grpc(testKit.system(), server.localAddress());
    }

    @AfterEach
    void stop() {
        Await.result(nativeChannel.closeAsync(), LIMIT);
        Await.result(grpcChannel.closeAsync(), LIMIT);
        Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
    }

    private EndpointChannel channel(String protocol) {
        return protocol.equals("grpc") ? grpcChannel : nativeChannel;
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void admittedCallsAreReleasedOnceWithTheirFinalStatus(String protocol) {
        EndpointChannel channel = channel(protocol);
        assertEquals("a", Await.result(channel.unary(ECHO, "a", CallOptions.DEFAULT), LIMIT));
        Await.until(LIMIT, () -> admission.released.size() == 1);
        assertEquals(StatusCode.OK, admission.released.poll().code());
        assertEquals(List.of(TestServices.ECHO), List.copyOf(admission.asked));

        // Deadline.
        Await.failure(channel.unary(TestServices.method(NEVER, CallKind.UNARY), "x",
                CallOptions.timeout(Duration.ofMillis(200))), LIMIT);
        Await.until(LIMIT, () -> admission.released.size() == 1);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, admission.released.poll().code());

        // Cancel.
        CompletableFuture<String> cancelled = channel.unary(TestServices.method(NEVER, CallKind.UNARY), "x",
                CallOptions.DEFAULT).toCompletableFuture();
        Await.until(LIMIT, () -> admission.asked.size() == 3);
        cancelled.cancel(true);
        Await.until(LIMIT, () -> admission.released.size() == 1);
        assertEquals(StatusCode.CANCELLED, admission.released.poll().code());

        // A stream.
        assertEquals(List.of("s"), Await.result(Source.single("s").via(channel.stream(CHAT, CallOptions.DEFAULT))
                .runWith(Sink.seq(), testKit.system()), LIMIT));
        Await.until(LIMIT, () -> admission.released.size() == 1);
        assertEquals(StatusCode.OK, admission.released.poll().code());
        assertEquals(4, admission.asked.size());
        assertTrue(admission.released.isEmpty(), "released more than once: " + admission.released);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void refusedCallsGetTheRefusalAndTheConnectionServesOn(String protocol) {
        EndpointChannel channel = channel(protocol);
        admission.refuse = Status.of(StatusCode.RESOURCE_EXHAUSTED, "over the test limit");
        StatusException unary = (StatusException) Await.failure(channel.unary(ECHO, "a", CallOptions.DEFAULT), LIMIT);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, unary.code());
        assertEquals("over the test limit", unary.status().message());
        Throwable stream = Await.failure(Source.single("s").via(channel.stream(CHAT, CallOptions.DEFAULT))
                .runWith(Sink.seq(), testKit.system()), LIMIT);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(stream));

        // A large request is refused too (over gRPC its DATA frames are drained, never decoded).
        String large = "x".repeat(1 << 20);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(Await.failure(channel.unary(ECHO, large,
                CallOptions.DEFAULT), LIMIT)));

        admission.refuse = null;
        assertEquals(large, Await.result(channel.unary(ECHO, large, CallOptions.DEFAULT), LIMIT));
        Await.until(LIMIT, () -> admission.released.size() == 1);
        admission.released.clear();
        assertEquals("b", Await.result(channel.unary(ECHO, "b", CallOptions.DEFAULT), LIMIT));
        Await.until(LIMIT, () -> admission.released.size() == 1);
        assertEquals(StatusCode.OK, admission.released.poll().code(), "refusals are never released");

        // A throwing admission fails only its call.
        admission.explode = true;
        assertEquals(StatusCode.INTERNAL, codeOf(Await.failure(channel.unary(ECHO, "c", CallOptions.DEFAULT), LIMIT)));
        admission.explode = false;
        assertEquals("d", Await.result(channel.unary(ECHO, "d", CallOptions.DEFAULT), LIMIT));
        assertEquals(0, admission.closed.get(), "no connection was closed by a refusal");
    }

    @Test
    void refusedConnectionsAreClosedAtOnce() {
        admission.maxConnections = 1;
        try (RawClient first = RawClient.connect(server.localAddress())) {
            Await.until(LIMIT, () -> admission.connections.get() == 1);
            try (RawClient second = RawClient.connect(server.localAddress())) {
                second.assertClosedWithin(LIMIT);
            }
            assertEquals(1, admission.connections.get());
        }
        Await.until(LIMIT, () -> admission.closed.get() == 1, () -> "connectionClosed not called");
    }
}
