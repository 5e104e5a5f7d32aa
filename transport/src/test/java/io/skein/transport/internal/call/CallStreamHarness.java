package io.skein.transport.internal.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import io.skein.transport.ResponseMetadata;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.internal.testing.WireOp;
import io.skein.transport.testing.StringMarshaller;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;

/**
 * One call stream stage between Pekko's stream test probes and a fake wire that records everything
 * the stage sends ({@link WireOp}s) and lets the test play the peer.
 *
 * <p>Client: the caller's requests are {@link #requests}, the responses it reads {@link #responses}.
 * Server: the service reads {@link #serviceInput} and answers on {@link #serviceOutput}.
 *
 * <p>Porting seam: the only place that builds {@link CallStreamStage}s, implements {@link ServerStream},
 * {@link ClientStream}, {@link ClientTransport} and {@link TransportSource}, and feeds the stage's
 * {@link CallListener} its {@link StreamEvent}s. Peer events come from the test thread, which plays the
 * event loop.
 */
final class CallStreamHarness {

    static final String METHOD = "test.Stage/Call";
    static final Duration LIMIT = Pump.LIMIT;

    /** How the fake wire behaves. */
    record Wire(boolean countsCredits, int initialSendCredits, int window, int maxMessageSize) {
        /** A native-like wire: credits counted, {@code window} messages each way. */
        static Wire credits(int initialSendCredits, int window) {
            return new Wire(true, initialSendCredits, window, 1024);
        }

        Wire maxMessageSize(int size) {
            return new Wire(countsCredits, initialSendCredits, window, size);
        }
    }

    private final BlockingQueue<WireOp> ops = new LinkedBlockingQueue<>();
    private final FakeWire wire;
    private volatile CallListener stream;
    private volatile boolean deferOpen;
    private volatile boolean openedOnWire;
    // Set when the stage took its wire (it reads the wire's window as it does): from then on, events the
    // test thread sends reach the stage after it knows its wire, as on an I/O thread that opened the call.
    private volatile boolean wireTaken;
    private volatile Status connectFailure;
    private final List<Object> openedWith = new ArrayList<>();

    final ResponseMetadata responseMetadata = new ResponseMetadata();
    CallContext context;
    TestPublisher.Probe<String> requests;
    TestSubscriber.Probe<String> responses;
    TestSubscriber.Probe<String> serviceInput;
    TestPublisher.Probe<String> serviceOutput;

    private CallStreamHarness(Wire settings) {
        this.wire = new FakeWire(settings);
    }

    /** A client call of {@code kind}; {@code timeout} may be null. The transport opens it at once. */
    static CallStreamHarness client(ActorSystem system, CallKind kind, Duration timeout, Wire settings) {
        return client(system, kind, timeout, settings, false, null);
    }

    /**
     * A client call whose opening waits for {@link #completeOpen} ({@code deferOpen}: the transport has
     * not yet reached its I/O thread) or fails with {@code connectFailure} (no transport can be had).
     */
    static CallStreamHarness client(ActorSystem system, CallKind kind, Duration timeout, Wire settings,
                                    boolean deferOpen, Status connectFailure) {
        CallStreamHarness h = new CallStreamHarness(settings);
        h.deferOpen = deferOpen;
        h.connectFailure = connectFailure;
        CallStreamStage<String, String> stage = CallStreamStage.client(METHOD, kind, StringMarshaller.INSTANCE,
                StringMarshaller.INSTANCE, Metadata.builder().put("k", "v").build(), timeout, h.responseMetadata,
                h.new FakeSource(), settings.window());
        Pair<TestPublisher.Probe<String>, TestSubscriber.Probe<String>> probes = TestSource.<String>probe(system)
                .via(Flow.fromGraph(stage))
                .toMat(TestSink.probe(system), Keep.both())
                .run(system);
        h.requests = probes.first();
        h.responses = probes.second();
        return h;
    }

    /** A server call of {@code kind} with {@code timeoutMillis} (0: none). */
    static CallStreamHarness server(ActorSystem system, CallKind kind, long timeoutMillis, Wire settings) {
        CallStreamHarness h = new CallStreamHarness(settings);
        h.context = new CallContext(METHOD, Metadata.EMPTY, timeoutMillis, new InetSocketAddress("127.0.0.1", 1));
        CallStreamStage<String, String> stage = CallStreamStage.server(h.wire, METHOD, kind, timeoutMillis,
                StringMarshaller.INSTANCE, StringMarshaller.INSTANCE, h.context);
        Pair<TestSubscriber.Probe<String>, TestPublisher.Probe<String>> service = Flow.fromGraph(stage)
                .joinMat(Flow.fromSinkAndSourceMat(TestSink.<String>probe(system), TestSource.<String>probe(system),
                        Keep.both()), Keep.right())
                .run(system);
        h.serviceInput = service.first();
        h.serviceOutput = service.second();
        return h;
    }

    /** Where the client stage gets its transport: this one, or none when {@code connectFailure} is set. */
    private final class FakeSource implements TransportSource, ClientTransport {
        @Override
        public ClientTransport ready() {
            return connectFailure == null ? this : null;
        }

        @Override
        public CompletionStage<ClientTransport> acquire() {
            return CompletableFuture.failedFuture(connectFailure.asException());
        }

        @Override
        public void open(ClientCallHead head, ByteBuf unaryRequest, CallListener listener) {
            synchronized (openedWith) {
                openedWith.addAll(List.of(head.method(), head.kind(), head.metadata(), head.window()));
            }
            stream = listener;
            if (!deferOpen) {
                completeOpen();
            }
        }

        @Override
        public Connection connection() {
            throw new UnsupportedOperationException("a fake transport has no connection");
        }
    }

    /** The deferred open completes: the call learns its wire. */
    void completeOpen() {
        if (openedOnWire) {
            throw new AssertionError("opened twice");
        }
        openedOnWire = true;
        stream.onOpened(wire);
    }

    /** What the stage opened its call with: method, kind, metadata, initial response window. */
    List<Object> openedWith() {
        synchronized (openedWith) {
            return List.copyOf(openedWith);
        }
    }

    /** Waits until the stage started on its wire (attached on the server, asked to open on the client). */
    void awaitStarted() {
        Await.until(LIMIT, () -> stream != null && (!openedOnWire || wireTaken), () -> "the stage to start");
    }

    // ---- the peer, on the test thread (which plays the event loop)

    void peerSends(String... messages) {
        awaitStarted();
        for (String m : messages) {
            ByteBuf payload = StringMarshaller.INSTANCE.serialize(m, ByteBufAllocator.DEFAULT);
            try {
                stream.onEvent(new StreamEvent.Message(payload));
            } finally {
                payload.release(); // the handler's, released once the event was delivered
            }
        }
    }

    void peerGrants(int credits) {
        awaitStarted();
        stream.onEvent(new StreamEvent.Credit(credits));
    }

    void peerHeaders(Metadata headers) {
        awaitStarted();
        stream.onEvent(new StreamEvent.Headers(headers));
    }

    void peerHalfCloses() {
        awaitStarted();
        stream.onEvent(StreamEvent.HALF_CLOSE);
    }

    void peerTrailers(Status status, Metadata trailers) {
        awaitStarted();
        stream.onEvent(new StreamEvent.Trailers(status, trailers));
    }

    void peerResets(StatusCode code, String reason) {
        awaitStarted();
        stream.onEvent(new StreamEvent.Reset(Status.of(code, reason)));
    }

    void connectionClosed(Status status) {
        awaitStarted();
        stream.onEvent(new StreamEvent.Closed(status));
    }

    /** The wire turns unwritable (sends wait) or writable again (and tells the stage). */
    void writable(boolean writable) {
        wire.writable = writable;
        if (writable) {
            awaitStarted();
            stream.onEvent(StreamEvent.WRITABLE);
        }
    }

    // ---- what the stage did

    /** The next thing the stage did to its wire; fails when nothing comes within {@link #LIMIT}. */
    WireOp nextOp() {
        try {
            WireOp op = ops.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            if (op == null) {
                throw new AssertionError("the stage did nothing to its wire within " + LIMIT);
            }
            return op;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next {@code n} things, in order. */
    List<WireOp> nextOps(int n) {
        List<WireOp> next = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            next.add(nextOp());
        }
        return next;
    }

    /** Asserts that the stage does nothing more to its wire for a short while (a bounded wait for silence). */
    void assertNoOp() {
        try {
            WireOp op = ops.poll(150, TimeUnit.MILLISECONDS);
            assertEquals(null, op, "the stage did something unexpected to its wire");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A wire that records what the stage does; the stage calls it from its actor's thread. */
    private final class FakeWire implements ServerStream, ClientStream {
        private final Wire settings;
        private volatile boolean writable = true;

        FakeWire(Wire settings) {
            this.settings = settings;
        }

        @Override
        public boolean countsCredits() {
            return settings.countsCredits();
        }

        @Override
        public int initialSendCredits() {
            return settings.initialSendCredits();
        }

        @Override
        public int window() {
            wireTaken = true;
            return settings.window();
        }

        @Override
        public int maxMessageSize() {
            return settings.maxMessageSize();
        }

        @Override
        public ByteBufAllocator alloc() {
            return ByteBufAllocator.DEFAULT;
        }

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public void attach(CallListener listener) {
            stream = listener;
        }

        @Override
        public void refuse(Status status) {
            throw new AssertionError("a stage never refuses its call: " + status);
        }

        @Override
        public void sendMessage(ByteBuf payload) {
            try {
                ops.add(new WireOp.Sent(StringMarshaller.INSTANCE.parse(payload)));
            } finally {
                payload.release();
            }
        }

        @Override
        public void halfClose() {
            ops.add(new WireOp.HalfClosed());
        }

        @Override
        public void sendHeaders(Metadata headers) {
            ops.add(new WireOp.HeadersSent(headers));
        }

        @Override
        public void sendTrailers(Status status, Metadata trailers) {
            ops.add(new WireOp.TrailersSent(status, trailers));
        }

        @Override
        public void respondUnary(Status status, Metadata headers, Metadata trailers, ByteBuf payload) {
            payload.release();
            throw new AssertionError("a stage never answers a unary call: " + status);
        }

        @Override
        public void reset(StatusCode code, String reason) {
            ops.add(new WireOp.ResetSent(code, reason));
        }

        @Override
        public void grant(int messages) {
            ops.add(new WireOp.Granted(messages));
        }

        @Override
        public void detach(CallListener listener) {
            ops.add(new WireOp.Detached());
        }
    }
}
