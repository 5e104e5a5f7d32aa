package io.skein.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.Http2Headers;
import io.skein.examples.grpc.testing.BoolValue;
import io.skein.examples.grpc.testing.SimpleRequest;
import io.skein.examples.interop.TestServiceActor;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a Skein server answers when a service asks for gzip responses ({@code response_compressed} on
 * the interop {@code UnaryCall}), seen byte by byte from a bare HTTP/2 client: gzip only to a client
 * whose {@code grpc-accept-encoding} lists it, as grpc-java's server does, identity to any other.
 */
class GrpcCompressionNegotiationTest {

    private static final String UNARY = "grpc.testing.TestService/UnaryCall";
    private static SkeinNode node;

    @BeforeAll
    static void start() {
        node = TestNodes.node(TestServiceActor.definition(() -> "n"), "pekko.loglevel = WARNING\n");
    }

    @AfterAll
    static void stop() {
        TestNodes.close(node);
    }

    /** The response headers and the first DATA byte (the message's compressed flag) of one call. */
    private record Answer(Http2Headers headers, int flag, Http2Headers trailers) {
    }

    private static Answer call(String acceptEncoding) {
        byte[] request = SimpleRequest.newBuilder().setResponseSize(1000)
                .setResponseCompressed(BoolValue.newBuilder().setValue(true)).build().toByteArray();
        try (RawHttp2Client raw = new RawHttp2Client(node.address())) {
            RawHttp2Client.Stream s = raw.open();
            Http2Headers headers = RawHttp2Client.grpcHeaders(UNARY);
            if (acceptEncoding != null) {
                headers.set("grpc-accept-encoding", acceptEncoding);
            }
            s.headers(headers, false);
            s.data(RawHttp2Client.framed(request), true);
            RawHttp2Client.Headers response = (RawHttp2Client.Headers) s.next();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (;;) {
                RawHttp2Client.Event e = s.next();
                if (e instanceof RawHttp2Client.Data d) {
                    body.writeBytes(d.bytes());
                } else if (e instanceof RawHttp2Client.Headers trailers) {
                    assertTrue(body.size() > 5, "no message before the trailers");
                    return new Answer(response.headers(), body.toByteArray()[0], trailers.headers());
                } else {
                    throw new AssertionError("expected DATA or trailers, got " + e);
                }
            }
        }
    }

    @Test
    void aClientThatAcceptsGzipGetsTheGzipResponseTheServiceAskedFor() {
        Answer answer = call("identity,gzip");
        assertEquals("gzip", String.valueOf(answer.headers().get("grpc-encoding")));
        assertEquals(1, answer.flag());
        assertEquals("0", String.valueOf(answer.trailers().get("grpc-status")));
    }

    @Test
    void aClientThatDoesNotAcceptGzipGetsIdentityWhateverTheServiceAsked() {
        for (String accept : new String[] {null, "identity", "deflate"}) {
            Answer answer = call(accept);
            assertNull(answer.headers().get("grpc-encoding"), "grpc-accept-encoding " + accept);
            assertEquals(0, answer.flag(), "grpc-accept-encoding " + accept);
            assertEquals("0", String.valueOf(answer.trailers().get("grpc-status")));
        }
    }
}
