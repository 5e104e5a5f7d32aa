package io.skein.transport.internal.call;

import io.netty.buffer.ByteBuf;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallContext;
import io.skein.transport.Marshaller;
import io.skein.transport.ResponseMetadata;
import io.skein.transport.observe.CallProbe;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streaming call bridged to Pekko Streams, on either side of the wire and over any protocol: the
 * inlet takes the messages this side sends, the outlet emits the messages the peer sent. The stage
 * is the call's owner: it lives in the stream's actor, holds the call state, and ends it.
 *
 * <p>Flow control follows demand: as the outlet's consumer takes messages the stage grants the peer
 * more ({@link CallWire#grant}, in batches of half the window); the inlet is pulled only while the peer
 * has granted credits (native protocol) and the wire is writable. Nothing buffers beyond the window.
 *
 * <p>Threads: the protocol delivers {@link StreamEvent}s on its I/O thread; the stage parses messages
 * there (no buffer leaves the I/O thread) and hands everything to its logic through one async callback,
 * so all call state is touched by the stream's actor only.
 *
 * @param <W> the type written to the wire (requests on the client, responses on the server)
 * @param <R> the type read from the wire
 */
@InternalApi
public final class CallStreamStage<W, R> extends GraphStage<FlowShape<W, R>> {

    private static final Logger log = LoggerFactory.getLogger(CallStreamStage.class);
    private static final Object DEADLINE_TIMER = "deadline";
    private static final Object STOPPED = new Object();

    private final Inlet<W> in = Inlet.create("CallStream.in");
    private final Outlet<R> out = Outlet.create("CallStream.out");
    private final FlowShape<W, R> shape = FlowShape.of(in, out);

    private final boolean server;
    private final String method;
    private final CallKind kind;
    private final Marshaller<W> writer;
    private final Marshaller<R> reader;
    private final Metadata requestMetadata;
    private final Duration timeout;
    private final ResponseMetadata responseCapture;
    private final TransportSource source; // client side
    private final int clientWindow;       // client side
    private final String compression;     // client side: the requests' compression, null for none
    private final Predicate<Object> compressMessage; // client side: which requests of a compressed call
    private final ServerStream serverWire; // server side
    private final CallContext context;    // server side
    private final CallProbe probe;        // the call's (server: its context's, ended when it terminates)

    private CallStreamStage(boolean server, String method, CallKind kind, Marshaller<W> writer, Marshaller<R> reader,
                            Metadata requestMetadata, Duration timeout, ResponseMetadata responseCapture,
                            TransportSource source, int clientWindow, String compression,
                            Predicate<Object> compressMessage, ServerStream serverWire, CallContext context,
                            CallProbe probe) {
        this.server = server;
        this.probe = probe;
        this.method = method;
        this.kind = kind;
        this.writer = writer;
        this.reader = reader;
        this.requestMetadata = requestMetadata;
        this.timeout = timeout;
        this.responseCapture = responseCapture;
        this.source = source;
        this.clientWindow = clientWindow;
        this.compression = compression;
        this.compressMessage = compressMessage;
        this.serverWire = serverWire;
        this.context = context;
    }

    /**
     * The client side of a streaming call: inlet = requests, outlet = responses. The call is opened on
     * a transport from {@code source} when the stage starts; {@code window} responses may come before
     * the first grant.
     */
    public static <Req, Resp> CallStreamStage<Req, Resp> client(String method, CallKind kind, Marshaller<Req> requests,
                                                                 Marshaller<Resp> responses, Metadata metadata,
                                                                 Duration timeout, ResponseMetadata capture,
                                                                 TransportSource source, int window) {
        return client(method, kind, requests, responses, metadata, timeout, capture, source, window, null, m -> true);
    }

    /**
     * A client call whose requests are compressed with {@code compression} ({@code null}: none), each one
     * for which {@code compressMessage} holds (see {@link io.skein.transport.CallOptions#withCompression}).
     */
    public static <Req, Resp> CallStreamStage<Req, Resp> client(String method, CallKind kind, Marshaller<Req> requests,
                                                                 Marshaller<Resp> responses, Metadata metadata,
                                                                 Duration timeout, ResponseMetadata capture,
                                                                 TransportSource source, int window,
                                                                 String compression,
                                                                 Predicate<Object> compressMessage) {
        return client(method, kind, requests, responses, metadata, timeout, capture, source, window, compression,
                compressMessage, CallProbe.NONE);
    }

    /**
     * A client call observed by {@code probe}: it hears every message's size, adds its propagation
     * metadata to the request, and is ended exactly once with the call's final status.
     */
    public static <Req, Resp> CallStreamStage<Req, Resp> client(String method, CallKind kind, Marshaller<Req> requests,
                                                                 Marshaller<Resp> responses, Metadata metadata,
                                                                 Duration timeout, ResponseMetadata capture,
                                                                 TransportSource source, int window,
                                                                 String compression,
                                                                 Predicate<Object> compressMessage, CallProbe probe) {
        return new CallStreamStage<>(false, method, kind, requests, responses, metadata, timeout, capture, source,
                window, compression, compressMessage, null, null, probe);
    }

    /** The server side of a streaming call on {@code wire}: inlet = responses, outlet = requests. */
    static <Req, Resp> CallStreamStage<Resp, Req> server(ServerStream wire, String method, CallKind kind,
                                                          long timeoutMillis, Marshaller<Req> requests,
                                                          Marshaller<Resp> responses, CallContext context) {
        Duration timeout = timeoutMillis > 0 ? Duration.ofMillis(timeoutMillis) : null;
        return new CallStreamStage<>(true, method, kind, responses, requests, context.metadata(), timeout, null,
                null, 0, null, null, wire, context, context.probe());
    }

    // What the I/O thread hands the stage's logic besides the StreamEvents it passes on as they are.
    private record Opened(ClientStream wire) {
    }

    private record Parsed(Object value) {
    }

    private record ParseFailed(Status status) {
    }

    private record ConnectFailed(Status status) {
    }

    @Override
    public FlowShape<W, R> shape() {
        return shape;
    }

    @Override
    public TimerGraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new Logic();
    }

    private final class Logic extends TimerGraphStageLogic implements CallListener {

        private final AsyncCallback<Object> events = createAsyncCallback(this::onSignal);
        private final ArrayDeque<R> buffer = new ArrayDeque<>();
        // Client: the wire once open, or STOPPED once the stage stopped first (who cleans up is decided here).
        private final AtomicReference<Object> openedWire = new AtomicReference<>();
        private CallWire wire;
        private ClientStream clientWire;
        private int window;
        private int sendCredits;
        private int consumedSinceGrant;
        // Messages the peer may send in total so far, and messages it did send: received > granted
        // is a flow-control violation (credit-counting wires only).
        private long grantedTotal;
        private long receivedTotal;
        private boolean peerDoneSending;
        private Status peerFinalStatus;
        private boolean finished;
        private boolean headersSent;
        private boolean discardInbound;
        // Whether the peer has been told (or told us) that the call is over.
        private boolean peerKnowsEnd;
        // Client: the request stream completed before the call was open on the wire (e.g. an empty
        // client stream), so the half-close is sent as soon as the wire is there.
        private boolean halfClosePending;
        // Client: whether the probe was told the call's end (exactly once).
        private boolean probeEnded;

        Logic() {
            super(shape);
            if (server) {
                // Attached while materializing on the event loop, before the stream's next frame is read.
                serverWire.attach(this);
            }
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    send(grab(in));
                }

                @Override
                public void onUpstreamFinish() {
                    localDoneSending();
                }

                @Override
                public void onUpstreamFailure(Throwable ex) {
                    localFailed(ex);
                }
            });
            setHandler(out, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    deliver();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    localStoppedReading();
                }
            });
        }

        // ---- CallListener: the protocol's I/O thread ----

        @Override
        public void onEvent(StreamEvent event) {
            if (event instanceof StreamEvent.Message m) {
                probe.messageReceived(m.payload().readableBytes());
                Object parsed;
                try {
                    parsed = reader.parse(m.payload());
                } catch (Exception e) {
                    events.invoke(new ParseFailed(Status.of(server ? StatusCode.INVALID_ARGUMENT
                            : StatusCode.INTERNAL, "cannot parse " + (server ? "request" : "response") + " of "
                            + method + ": " + e)));
                    return;
                }
                if (m.compressed()) {
                    // Recorded here, on the I/O thread, before the message can reach anyone who asks.
                    if (server) {
                        context.recordCompressed(parsed);
                    } else if (responseCapture != null) {
                        responseCapture.recordCompressed(parsed);
                    }
                }
                events.invoke(new Parsed(parsed));
            } else {
                events.invoke(event);
            }
        }

        @Override
        public void onOpened(ClientStream w) {
            // On the I/O thread, ahead of the call's events: the same thread orders both.
            if (openedWire.compareAndSet(null, w)) {
                events.invoke(new Opened(w));
            } else {
                // The stage stopped before the call opened: end it on the wire at once.
                w.reset(StatusCode.CANCELLED, "client stopped the call");
                w.detach(this);
            }
        }

        // ---- stage side ----

        @Override
        public void preStart() {
            if (timeout != null) {
                scheduleOnce(DEADLINE_TIMER, timeout);
            }
            if (server) {
                useWire(serverWire);
                grantedTotal = window;
                serverWire.grant(window); // the client's first request credits
                maybePull();
                return;
            }
            window = 0;
            long deadlineNanos = 0;
            if (timeout != null) {
                deadlineNanos = System.nanoTime() + timeout.toNanos();
                deadlineNanos = deadlineNanos == 0 ? 1 : deadlineNanos; // 0 means "none"
            }
            ClientCallHead opening = new ClientCallHead(method, kind, probe.outbound(requestMetadata), deadlineNanos,
                    clientWindow, compression, true);
            ClientTransport ready = source.ready();
            if (ready != null) {
                ready.open(opening, null, this);
                return;
            }
            source.acquire().whenComplete((transport, err) -> {
                if (err != null) {
                    events.invoke(new ConnectFailed(Status.fromThrowable(err)));
                } else {
                    transport.open(opening, null, this);
                }
            });
        }

        private void useWire(CallWire w) {
            wire = w;
            window = w.window();
            sendCredits = w.countsCredits() ? w.initialSendCredits() : Integer.MAX_VALUE;
        }

        private void onSignal(Object event) {
            if (finished) {
                return;
            }
            if (event instanceof Parsed p) {
                onMessage(p.value());
            } else if (event instanceof StreamEvent.Credit c) {
                if (wire.countsCredits()) {
                    sendCredits += c.credits();
                }
                maybePull();
            } else if (event == StreamEvent.WRITABLE) {
                maybePull();
            } else if (event instanceof StreamEvent.Headers h) {
                if (responseCapture != null) {
                    responseCapture.completeHeaders(h.metadata());
                }
            } else if (event == StreamEvent.HALF_CLOSE) {
                peerDoneSending = true;
                deliver();
            } else if (event instanceof StreamEvent.Trailers t) {
                onTrailers(t.status(), t.metadata());
            } else if (event instanceof StreamEvent.Reset r) {
                onPeerReset(r.status());
            } else if (event instanceof StreamEvent.Closed c) {
                peerKnowsEnd = true;
                end(c.status(), false);
            } else if (event instanceof StreamEvent.Failed f) {
                badInput(f.status());
            } else if (event instanceof ParseFailed p) {
                badInput(p.status());
            } else if (event instanceof Opened o) {
                clientWire = o.wire();
                useWire(o.wire());
                grantedTotal = window; // announced when opening
                if (halfClosePending) {
                    halfClosePending = false;
                    clientWire.halfClose();
                }
                maybePull();
            } else if (event instanceof ConnectFailed f) {
                end(f.status(), false);
            }
        }

        /** The call's input was bad: the server answers with {@code status}, the client resets and fails. */
        private void badInput(Status status) {
            if (server) {
                end(status, true);
            } else {
                writeReset(StatusCode.CANCELLED, status.message());
                end(status, false);
            }
        }

        private void onMessage(Object value) {
            @SuppressWarnings("unchecked")
            R message = (R) value;
            receivedTotal++;
            if (discardInbound) {
                grant(1);
                return;
            }
            // Only a credit-counting peer can overrun its grant. Over HTTP/2 the buffer is bounded by the
            // stream window instead (the channel is read only while messages are wanted), and one read may
            // carry several messages, so a full buffer there is not the peer's fault.
            if (wire.countsCredits() && (receivedTotal > grantedTotal || buffer.size() >= window)) {
                badInput(Status.of(StatusCode.RESOURCE_EXHAUSTED,
                        "peer sent more messages than the " + window + " credits it was granted"));
                return;
            }
            buffer.add(message);
            deliver();
        }

        /** Pushes buffered messages downstream, and ends the outlet when the peer is done and all went. */
        private void deliver() {
            if (isAvailable(out) && !buffer.isEmpty()) {
                push(out, buffer.poll());
                grant(1);
            }
            if (buffer.isEmpty() && !isClosed(out)) {
                if (peerFinalStatus != null) {
                    if (peerFinalStatus.isOk()) {
                        complete(out);
                    } else {
                        fail(out, peerFinalStatus.asException());
                    }
                } else if (peerDoneSending) {
                    complete(out);
                }
            }
        }

        private void grant(int consumed) {
            consumedSinceGrant += consumed;
            if (consumedSinceGrant >= Math.max(1, window / 2) && !finished && wire != null) {
                grantedTotal += consumedSinceGrant;
                wire.grant(consumedSinceGrant);
                consumedSinceGrant = 0;
            }
        }

        private void maybePull() {
            if (wire != null && sendCredits > 0 && !isClosed(in) && !hasBeenPulled(in) && wire.isWritable()) {
                pull(in);
            }
        }

        private void send(W value) {
            ByteBuf payload;
            boolean compress;
            try {
                compress = server ? context.takeMessageCompression(value)
                        : compression == null || compressMessage.test(value);
                payload = writer.serialize(value, wire.alloc());
            } catch (RuntimeException e) {
                localFailed(e);
                return;
            }
            if (payload.readableBytes() > wire.maxMessageSize()) {
                int size = payload.readableBytes();
                payload.release();
                Status tooBig = Status.of(StatusCode.RESOURCE_EXHAUSTED, "message of " + size
                        + " bytes exceeds the limit of " + wire.maxMessageSize());
                badInput(tooBig);
                return;
            }
            if (server && !headersSent) {
                sendHeaders();
            }
            if (sendCredits != Integer.MAX_VALUE) {
                sendCredits--;
            }
            probe.messageSent(payload.readableBytes());
            wire.sendMessage(payload, compress);
            maybePull();
        }

        /** Client side: tells the server the call is over, once the call is open on the wire. */
        private void writeReset(StatusCode code, String reason) {
            if (wire != null && !peerKnowsEnd) {
                peerKnowsEnd = true;
                wire.reset(code, reason);
            }
        }

        private void sendHeaders() {
            headersSent = true;
            Metadata headers = context.responseHeaders();
            serverWire.sendHeaders(headers);
        }

        /** This side has sent everything. */
        private void localDoneSending() {
            if (server) {
                end(Status.OK, true);
            } else if (clientWire != null) {
                clientWire.halfClose();
            } else {
                halfClosePending = true;
            }
        }

        /** This side's message source failed. */
        private void localFailed(Throwable ex) {
            if (server) {
                end(ServiceFailures.answer(context, ex), true);
                return;
            }
            Status status = Status.fromThrowable(ex);
            writeReset(StatusCode.CANCELLED, "client request stream failed: " + status.message());
            end(Status.of(StatusCode.CANCELLED, "request stream failed: " + status.message()).withCause(ex), false);
        }

        /** This side no longer wants the peer's messages. */
        private void localStoppedReading() {
            if (server) {
                // The service took what it needed; it may still answer. Keep granting so the client never stalls.
                discardInbound = true;
                int dropped = buffer.size();
                buffer.clear();
                grant(dropped);
                if (isClosed(in)) {
                    completeStage();
                }
            } else {
                writeReset(StatusCode.CANCELLED, "cancelled by client");
                end(Status.of(StatusCode.CANCELLED, "cancelled by client"), false);
            }
        }

        private void onTrailers(Status status, Metadata trailers) {
            if (server) {
                // Not from a client: the transport ends the call (e.g. an undecodable gRPC message).
                end(status, true);
                return;
            }
            if (responseCapture != null) {
                responseCapture.completeTrailers(trailers);
            }
            endProbe(status);
            peerFinalStatus = status;
            peerKnowsEnd = true;
            finished = true; // nothing more to send; the server ended the call
            if (!isClosed(in)) {
                cancel(in);
            }
            deliver();
        }

        private void onPeerReset(Status status) {
            peerKnowsEnd = true;
            if (server) {
                context.terminate(status.code() == StatusCode.DEADLINE_EXCEEDED ? status
                        : Status.of(StatusCode.CANCELLED, status.message().isEmpty() ? "cancelled by client"
                        : status.message()));
                end(Status.of(StatusCode.CANCELLED, "call cancelled by client: " + status.message()), false);
            } else {
                end(status, false);
            }
        }

        @Override
        public void onTimer(Object key) {
            if (finished) {
                return;
            }
            Status expired = Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of " + timeout.toMillis()
                    + " ms exceeded" + (server ? " on the server" : ""));
            if (server) {
                end(expired, true);
            } else {
                writeReset(StatusCode.DEADLINE_EXCEEDED, expired.message());
                end(expired, false);
            }
        }

        /**
         * Ends the call with {@code status}. On the server, {@code notifyPeer} sends the trailers that
         * end the call for the client.
         */
        private void end(Status status, boolean notifyPeer) {
            if (finished && !server) {
                failOrComplete(status);
                return;
            }
            finished = true;
            if (server) {
                if (notifyPeer && !peerKnowsEnd) {
                    peerKnowsEnd = true;
                    if (!headersSent) {
                        sendHeaders();
                    }
                    serverWire.sendTrailers(status, context.responseTrailers());
                }
                context.terminate(status);
            } else if (responseCapture != null) {
                responseCapture.completeTrailers(Metadata.EMPTY);
            }
            failOrComplete(status);
        }

        /** Client: tells the probe how the call ended, once (the server's probe ends with its context). */
        private void endProbe(Status status) {
            if (!server && !probeEnded) {
                probeEnded = true;
                probe.ended(status);
            }
        }

        private void failOrComplete(Status status) {
            endProbe(status);
            buffer.clear();
            if (status.isOk()) {
                completeStage();
            } else {
                failStage(status.asException());
            }
        }

        @Override
        public void postStop() {
            boolean notifyPeer = !peerKnowsEnd;
            peerKnowsEnd = true;
            finished = true;
            if (server) {
                context.terminate(Status.of(StatusCode.UNAVAILABLE, "server stopped the call"));
                if (notifyPeer) {
                    // Stopped from outside (materializer shutdown): tell the client.
                    serverWire.sendTrailers(Status.of(StatusCode.UNAVAILABLE, "server stopped the call"), Metadata.EMPTY);
                }
                serverWire.detach(this);
                return;
            }
            endProbe(Status.of(StatusCode.CANCELLED, "client stopped the call"));
            Object w = openedWire.getAndSet(STOPPED);
            if (w instanceof ClientStream opened) {
                if (notifyPeer) {
                    opened.reset(StatusCode.CANCELLED, "client stopped the call");
                }
                opened.detach(this);
            }
        }
    }
}
