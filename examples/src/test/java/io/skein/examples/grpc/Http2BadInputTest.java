package io.skein.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.skein.examples.echo.EchoGrpc;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import io.skein.transport.CallContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad HTTP/2 input against the Skein port: each gets a defined answer, leaks nothing (PARANOID leak
 * detection runs), and the node keeps serving (a fresh grpc-java call succeeds after each test).
 */
class Http2BadInputTest {

    static final int MAX_MESSAGE = 64 * 1024;
    static final String SAY = "skein.examples.echo.Echo/Say";
    static final String COLLECT = "skein.examples.echo.Echo/Collect";

    private static final ObservedEcho observed = new ObservedEcho();
    private static SkeinNode node;
    private static ManagedChannel grpcJava;

    @BeforeAll
    static void start() {
        node = TestNodes.node(observed.definition(), "pekko.loglevel = ERROR\nskein.grpc.max-message-size = 64 KiB\n");
        observed.materializer = Materializer.matFromSystem(node.system());
        grpcJava = GrpcJava.channel(node.address());
    }

    @AfterAll
    static void stop() {
        try {
            GrpcJava.close(grpcJava);
        } finally {
            TestNodes.close(node);
        }
    }

    @AfterEach
    void aFreshCallSucceeds() {
        EchoReply reply = EchoGrpc.newBlockingStub(grpcJava).withDeadlineAfter(10, TimeUnit.SECONDS)
                .say(EchoRequest.newBuilder().setMessage("still serving").build());
        assertEquals("still serving", reply.getMessage());
        // And on a brand-new connection.
        try (RawHttp2Client raw = new RawHttp2Client(node.address())) {
            assertOkSay(raw, "fresh connection");
        }
        observed.calls.clear();
    }

    private static void assertOkSay(RawHttp2Client raw, String message) {
        RawHttp2Client.Stream s = raw.open();
        s.headers(RawHttp2Client.grpcHeaders(SAY), false);
        s.data(RawHttp2Client.framed(EchoRequest.newBuilder().setMessage(message).build().toByteArray()), true);
        RawHttp2Client.Headers headers = s.nextHeaders();
        assertEquals("200", headers.headers().status().toString());
        RawHttp2Client.Headers trailers = s.nextHeaders();
        assertTrue(trailers.endStream());
        assertEquals("0", String.valueOf(trailers.headers().get("grpc-status")), () -> "trailers " + trailers);
    }

    @Test
    void brokenPrefaceClosesTheConnection() throws IOException {
        try (Socket socket = new Socket(node.address().getAddress(), node.address().getPort())) {
            socket.setSoTimeout((int) RawHttp2Client.TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[64]);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            boolean closed = false;
            try {
                // The server may say something (SETTINGS, GOAWAY) before it closes; read to the end.
                for (int total = 0; total < 1_000_000; ) {
                    int n = in.read(buf);
                    if (n < 0) {
                        closed = true;
                        break;
                    }
                    total += n;
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept a connection with a broken preface open", e);
            } catch (SocketException e) {
                closed = true; // reset by the server: closed too
            }
            assertTrue(closed);
        }
    }

    @Test
    void oversizedMessageFromGrpcJavaIsResourceExhausted() {
        GrpcJava.assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> EchoGrpc.newBlockingStub(grpcJava)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .say(EchoRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[MAX_MESSAGE * 2])).build()));
    }

    @Test
    void oversizedLengthPrefixIsResourceExhaustedBeforeTheBodyArrives() {
        try (RawHttp2Client raw = new RawHttp2Client(node.address())) {
            RawHttp2Client.Stream s = raw.open();
            s.headers(RawHttp2Client.grpcHeaders(SAY), false);
            // A prefix announcing 2 GiB - 1, and a few bytes of it: the server must not wait for (or buffer) the rest.
            s.data(new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3}, false);
            RawHttp2Client.Headers h = s.nextHeaders();
            assertTrue(h.endStream(), "trailers-only expected: " + h);
            assertEquals("8", String.valueOf(h.headers().get("grpc-status")), () -> "response " + h);
            // Whatever the server did with the stream, the connection still serves.
            assertOkSay(raw, "after an oversized prefix");
        }
    }

    @Test
    void streamResetMidMessageEndsTheServerCallCancelled() {
        try (RawHttp2Client raw = new RawHttp2Client(node.address())) {
            RawHttp2Client.Stream s = raw.open();
            s.headers(RawHttp2Client.grpcHeaders(COLLECT), false);
            s.data(RawHttp2Client.framed(EchoRequest.newBuilder().setMessage("whole").build().toByteArray()), false);
            CallContext ctx = observed.nextCall(GrpcJava.TIMEOUT);
            // Half a message: a prefix for 1000 bytes, then 500 of them; then RST_STREAM(CANCEL).
            byte[] half = new byte[5 + 500];
            half[3] = (byte) (1000 >>> 8);
            half[4] = (byte) (1000 & 0xff);
            s.data(half, false);
            s.reset(Http2Error.CANCEL);
            assertEquals(StatusCode.CANCELLED, ObservedEcho.termination(ctx, GrpcJava.TIMEOUT).code());
            assertOkSay(raw, "after a reset mid-message");
        }
    }

    @Test
    void grpcJavaCancelAfterHalfALargeClientMessage() {
        // grpc-java sends whole messages only; one larger than the server's 64 KiB stream window goes out
        // in parts, so a cancel right after sending it usually lands mid-message. Either way: CANCELLED.
        GrpcJava.Collector<EchoReply> response = new GrpcJava.Collector<>();
        var requests = (io.grpc.stub.ClientCallStreamObserver<EchoRequest>) EchoGrpc.newStub(grpcJava).collect(response);
        requests.onNext(EchoRequest.newBuilder().setMessage("first").build());
        CallContext ctx = observed.nextCall(GrpcJava.TIMEOUT);
        requests.onNext(EchoRequest.newBuilder().setMessage("big")
                .setPayload(ByteString.copyFrom(new byte[MAX_MESSAGE - 100])).build());
        requests.cancel("cancelled mid-message", null);
        assertEquals(Status.Code.CANCELLED, GrpcJava.awaitFailure(response.done).getCode());
        assertEquals(StatusCode.CANCELLED, ObservedEcho.termination(ctx, GrpcJava.TIMEOUT).code());
    }

    @Test
    void missingTeTrailersIsTheDocumentedError() {
        try (RawHttp2Client raw = new RawHttp2Client(node.address())) {
            RawHttp2Client.Stream s = raw.open();
            Http2Headers headers = RawHttp2Client.grpcHeaders(SAY);
            headers.remove("te");
            s.headers(headers, false);
            bodyUnlessAnswered(s, "no te");
            RawHttp2Client.Headers h = s.nextHeaders();
            // GrpcServerRequest: a trailers-only response, HTTP 200, grpc-status INTERNAL (13).
            assertTrue(h.endStream(), "trailers-only expected: " + h);
            assertEquals("200", h.headers().status().toString());
            assertEquals("13", String.valueOf(h.headers().get("grpc-status")), () -> "response " + h);
            assertTrue(String.valueOf(h.headers().get("grpc-message")).contains("te"), () -> "response " + h);
            s.awaitClosed();
            assertTrue(observed.calls.isEmpty(), "the service was called: " + observed.calls);
            assertOkSay(raw, "after a request without te");
        }
    }

    @Test
    void rejectedRequestWhoseBodyNeverEndsDoesNotHangTheStream() {
        // The client sends HEADERS (no END_STREAM) and then nothing: after its trailers-only answer the
        // server must not keep the stream open forever waiting for a body it will never read.
        try (RawHttp2Client raw = new RawHttp2Client(node.address())) {
            RawHttp2Client.Stream s = raw.open();
            Http2Headers headers = RawHttp2Client.grpcHeaders(SAY);
            headers.remove("te");
            s.headers(headers, false);
            RawHttp2Client.Headers h = s.nextHeaders();
            assertTrue(h.endStream());
            s.awaitClosed();
            assertOkSay(raw, "after a rejected request left open");
        }
    }

    @Test
    void missingContentTypeIsHttp415() {
        try (RawHttp2Client raw = new RawHttp2Client(node.address())) {
            RawHttp2Client.Stream s = raw.open();
            Http2Headers headers = RawHttp2Client.grpcHeaders(SAY);
            headers.remove("content-type");
            s.headers(headers, false);
            bodyUnlessAnswered(s, "no content-type");
            RawHttp2Client.Headers h = s.nextHeaders();
            assertEquals("415", h.headers().status().toString(), () -> "response " + h);
            assertHttpErrorBody(s, "Content-Type is missing from the request");
            assertOkSay(raw, "after a missing content-type");
        }
    }

    @Test
    void invalidContentTypeIsHttp415() {
        try (RawHttp2Client raw = new RawHttp2Client(node.address())) {
            RawHttp2Client.Stream s = raw.open();
            Http2Headers headers = RawHttp2Client.grpcHeaders(SAY);
            headers.set("content-type", "application/json");
            s.headers(headers, true);
            RawHttp2Client.Headers h = s.nextHeaders();
            assertEquals("415", h.headers().status().toString(), () -> "response " + h);
            assertHttpErrorBody(s, "Content-Type 'application/json' is not supported");
            assertFalse(!raw.isOpen(), "the connection was closed");
            assertOkSay(raw, "after an invalid content-type");
        }
    }

    /**
     * An HTTP-level rejection ends with its reason as a text/plain body, as grpc-java's server answers
     * (and as HTTP/2 conformance suites expect a response body to be).
     */
    private static void assertHttpErrorBody(RawHttp2Client.Stream s, String reason) {
        RawHttp2Client.Event body = s.next();
        assertTrue(body instanceof RawHttp2Client.Data d && d.endStream(), () -> "a body ending the stream: " + body);
        assertEquals(reason, new String(((RawHttp2Client.Data) body).bytes(), StandardCharsets.UTF_8));
    }

    /**
     * Sends a one-message body ending the stream, unless the server already answered the rejected
     * headers and reset the stream: then the body has nowhere to go, and only that failure is tolerated.
     */
    private static void bodyUnlessAnswered(RawHttp2Client.Stream s, String message) {
        try {
            s.data(RawHttp2Client.framed(EchoRequest.newBuilder().setMessage(message).build().toByteArray()), true);
        } catch (AssertionError e) {
            if (!(e.getCause() instanceof java.nio.channels.ClosedChannelException)) {
                throw e;
            }
        }
    }
}
