package io.skein.protocols.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GrpcStatusCodecTest {

    /** The interop case special_status_message: whitespace, a BMP and a non-BMP character. */
    static final String SPECIAL = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";
    static final String SPECIAL_ENCODED =
            "%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A";

    @Test
    void percentEncodesPerTheSpec() {
        assertEquals("", GrpcStatusCodec.encodeMessage(""));
        assertEquals("test status message", GrpcStatusCodec.encodeMessage("test status message"));
        assertEquals(SPECIAL_ENCODED, GrpcStatusCodec.encodeMessage(SPECIAL));
        assertEquals("my favorite character is %25", GrpcStatusCodec.encodeMessage("my favorite character is %"));
        assertEquals("%2525", GrpcStatusCodec.encodeMessage("%25"));
        assertEquals(" !\"#$%25&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~",
                     GrpcStatusCodec.encodeMessage(" !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"));
        assertEquals("%00%1F%7F", GrpcStatusCodec.encodeMessage("\u0000\u001F\u007F"));
        assertEquals("%C3%A9", GrpcStatusCodec.encodeMessage("\u00E9"));
    }

    @Test
    void percentDecodesRoundTripsAndLowerCaseHex() {
        assertEquals(SPECIAL, GrpcStatusCodec.decodeMessage(SPECIAL_ENCODED));
        assertEquals(SPECIAL, GrpcStatusCodec.decodeMessage(new AsciiString(SPECIAL_ENCODED)));
        assertEquals("\u263A", GrpcStatusCodec.decodeMessage("%e2%98%ba"));
        assertEquals("my favorite character is %", GrpcStatusCodec.decodeMessage("my favorite character is %25"));
        assertEquals("AB", GrpcStatusCodec.decodeMessage("%41%42"));
        assertEquals("", GrpcStatusCodec.decodeMessage(null));
        for (int c = 0; c < 0x300; c++) {
            String s = "x" + (char) c + "y";
            assertEquals(s, GrpcStatusCodec.decodeMessage(GrpcStatusCodec.encodeMessage(s)));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%|%",
        "abc%|abc%",
        "%4|%4",
        "%G0|%G0",
        "%0G|%0G",
        "%%41|%A",
        "50%-60%|50%-60%",
        "% 41|% 41",
    })
    void invalidPercentSequencesAreKept(String in, String out) {
        assertEquals(out, GrpcStatusCodec.decodeMessage(in));
    }

    @Test
    void decodingNeverFails() {
        // Not UTF-8: replacement characters, not an exception.
        assertEquals("a\uFFFDb", GrpcStatusCodec.decodeMessage("a%FFb"));
        assertEquals("\uFFFD", GrpcStatusCodec.decodeMessage("%E2%98"));
        // Raw UTF-8 bytes from the wire (Netty hands them over as one char per byte) are UTF-8 too.
        AsciiString raw = new AsciiString("caf\u00e9 \u263A".getBytes(StandardCharsets.UTF_8));
        assertEquals("caf\u00e9 \u263A", GrpcStatusCodec.decodeMessage(raw));
        // Characters above U+00FF cannot come off the wire; they are kept.
        assertEquals("\u263A%", GrpcStatusCodec.decodeMessage("\u263A%"));
        assertEquals("\uD83D\uDE08 %41", GrpcStatusCodec.decodeMessage("\uD83D\uDE08 %2541"));
    }

    @Test
    void trailersRoundTrip() {
        Http2Headers h = new DefaultHttp2Headers();
        GrpcStatusCodec.toTrailers(Status.of(StatusCode.UNKNOWN, SPECIAL), h);
        assertEquals("2", h.get("grpc-status").toString());
        assertEquals(SPECIAL_ENCODED, h.get("grpc-message").toString());
        assertEquals(Status.of(StatusCode.UNKNOWN, SPECIAL), GrpcStatusCodec.fromTrailers(h));

        GrpcStatusCodec.toTrailers(Status.OK.withCause(new RuntimeException("local")), h);
        assertEquals("0", h.get("grpc-status").toString());
        assertFalse(h.contains("grpc-message"), "an empty message is not sent");
        assertSame(StatusCode.OK, GrpcStatusCodec.fromTrailers(h).code());

        for (StatusCode c : StatusCode.values()) {
            Http2Headers t = new DefaultHttp2Headers();
            GrpcStatusCodec.toTrailers(Status.of(c, "m " + c), t);
            assertEquals(Status.of(c, "m " + c), GrpcStatusCodec.fromTrailers(t));
        }
    }

    @Test
    void readsOddTrailers() {
        // Unknown numeric codes are UNKNOWN, keeping the message when there is one.
        assertEquals(Status.of(StatusCode.UNKNOWN, "x"), GrpcStatusCodec.fromTrailers(trailers("17", "x")));
        assertEquals(Status.of(StatusCode.UNKNOWN, "Unknown grpc-status '17'"),
                     GrpcStatusCodec.fromTrailers(trailers("17", null)));
        assertEquals(Status.of(StatusCode.UNKNOWN, "Unknown grpc-status 'abc'"),
                     GrpcStatusCodec.fromTrailers(trailers("abc", null)));
        assertEquals(Status.of(StatusCode.UNKNOWN, "Unknown grpc-status '-1'"),
                     GrpcStatusCodec.fromTrailers(trailers("-1", null)));
        // No grpc-status at all.
        assertEquals(Status.of(StatusCode.UNKNOWN, "missing grpc-status in response trailers"),
                     GrpcStatusCodec.fromTrailers(new DefaultHttp2Headers()));
        // A trailers-only response without grpc-status: inferred from :status.
        Http2Headers only = new DefaultHttp2Headers().status("503");
        Status s = GrpcStatusCodec.fromTrailers(only);
        assertEquals(StatusCode.UNAVAILABLE, s.code());
        assertEquals("HTTP status code 503 (missing grpc-status, inferred from the HTTP status)", s.message());
        assertEquals(StatusCode.UNKNOWN, GrpcStatusCodec.fromTrailers(new DefaultHttp2Headers().status("200")).code());
    }

    private static Http2Headers trailers(String status, String message) {
        Http2Headers h = new DefaultHttp2Headers().set("grpc-status", status);
        if (message != null) {
            h.set("grpc-message", message);
        }
        return h;
    }

    @ParameterizedTest
    @CsvSource({
        "400, INTERNAL",
        "401, UNAUTHENTICATED",
        "403, PERMISSION_DENIED",
        "404, UNIMPLEMENTED",
        "429, UNAVAILABLE",
        "502, UNAVAILABLE",
        "503, UNAVAILABLE",
        "504, UNAVAILABLE",
        "200, UNKNOWN",
        "405, UNKNOWN",
        "415, UNKNOWN",
        "500, UNKNOWN",
        "418, UNKNOWN",
    })
    void mapsHttpStatusPerTheGrpcTable(int http, StatusCode code) {
        assertEquals(code, GrpcStatusCodec.codeForHttpStatus(http));
        assertEquals(Status.of(code, "HTTP status code " + http), GrpcStatusCodec.fromHttpStatus(http));
        assertEquals(Status.of(code, "HTTP status code " + http), GrpcStatusCodec.fromHttpStatus(Integer.toString(http)));
    }

    @Test
    void malformedHttpStatusIsInternal() {
        for (String s : new String[] {"", "abc", "20", "2000", "099", "-10"}) {
            assertEquals(StatusCode.INTERNAL, GrpcStatusCodec.fromHttpStatus(s).code(), s);
        }
    }
}
