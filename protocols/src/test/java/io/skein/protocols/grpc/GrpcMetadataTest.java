package io.skein.protocols.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpcMetadataTest {

    @Test
    void readsCustomMetadataAndSkipsReservedHeaders() {
        Http2Headers h = new DefaultHttp2Headers()
                .method("POST").scheme("http").path("/a.B/C").authority("localhost:1")
                .add("content-type", "application/grpc").add("te", "trailers").add("grpc-timeout", "1S")
                .add("grpc-encoding", "gzip").add("grpc-accept-encoding", "gzip").add("user-agent", "grpc-java/1.0")
                .add("grpc-status", "0").add("grpc-message", "x").add("grpc-status-details-bin", "AAAA")
                .add("content-length", "5").add("grpc-message-type", "t")
                .add("x-grpc-test-echo-initial", "test_initial_metadata_value")
                .add("rpc-persist-trace", "t1")
                .add("rpc-transit-tk", "tv")
                .add("rpc-persist-", "not a prefix alone")
                .add("x-multi", "a").add("x-multi", "b")
                .add("data-bin", "AAECAw==")
                .add("rpc-persist-p-bin", "AAE=");
        Metadata md = GrpcMetadata.fromHeaders(h);
        assertEquals(Map.of("x-grpc-test-echo-initial", "test_initial_metadata_value", "tk", "tv",
                            "rpc-persist-", "not a prefix alone", "x-multi", "a,b", "data-bin", "AAECAw"),
                     md.transientValues());
        assertEquals(Map.of("trace", "t1", "p-bin", "AAE"), md.persistentValues());
        assertSame(Metadata.EMPTY, GrpcMetadata.fromHeaders(new DefaultHttp2Headers().path("/a/b").add("te", "trailers")));
    }

    @Test
    void writesPrefixesAndUnpaddedBinaryValues() {
        Metadata md = Metadata.builder()
                .put("x-grpc-test-echo-initial", "test_initial_metadata_value")
                .put("x-grpc-test-echo-trailing-bin", "q83vEjRWeJA=") // padded in, unpadded out
                .put("Upper-Case", "v")
                .put("rpc-persist-odd", "escaped so it reads back transient")
                .putPersistent("trace", "t1")
                .putPersistent("p-bin", "AAE")
                .build();
        Http2Headers h = new DefaultHttp2Headers();
        GrpcMetadata.toHeaders(md, h);
        assertEquals(List.of("x-grpc-test-echo-initial=test_initial_metadata_value",
                             "x-grpc-test-echo-trailing-bin=q83vEjRWeJA",
                             "upper-case=v",
                             "rpc-transit-rpc-persist-odd=escaped so it reads back transient",
                             "rpc-persist-trace=t1",
                             "rpc-persist-p-bin=AAE"), entries(h));
        Metadata back = GrpcMetadata.fromHeaders(h);
        assertEquals(md.persistentValues(), back.persistentValues());
        assertEquals("q83vEjRWeJA", back.get("x-grpc-test-echo-trailing-bin"));
        assertEquals("v", back.get("upper-case"));
        assertEquals("escaped so it reads back transient", back.transientValues().get("rpc-persist-odd"));
    }

    @Test
    void lowerCaseMetadataRoundTrips() {
        Metadata md = Metadata.builder().put("a", "1").put("b.c_d-e", "spaced ~ value").put("k-bin", "")
                .put("rpc-transit-x", "y").putPersistent("a", "2").putPersistent("z-bin", "/+8").build();
        Http2Headers h = new DefaultHttp2Headers();
        GrpcMetadata.toHeaders(md, h);
        assertEquals(md, GrpcMetadata.fromHeaders(h));
    }

    @Test
    void binaryListsTravelAsSeparateHeaders() {
        Http2Headers h = new DefaultHttp2Headers();
        GrpcMetadata.toHeaders(Metadata.builder().put("l-bin", "AAE=,AAI").build(), h);
        assertEquals(List.of("l-bin=AAE", "l-bin=AAI"), entries(h));
        assertEquals("AAE,AAI", GrpcMetadata.fromHeaders(h).get("l-bin"));
        // A peer may also send them comma-separated in one header.
        assertEquals("AAE,AAI", GrpcMetadata.fromHeaders(new DefaultHttp2Headers().add("l-bin", "AAE=, AAI")).get("l-bin"));
    }

    @Test
    void malformedReceivedBinaryIsInternal() {
        for (String bad : new String[] {"A", "AAAAA", "A*B=", "AA==="}) {
            Http2Headers h = new DefaultHttp2Headers().add("x-bin", bad);
            StatusException e = assertThrows(StatusException.class, () -> GrpcMetadata.fromHeaders(h), bad);
            assertEquals(StatusCode.INTERNAL, e.code());
            assertTrue(e.getMessage().contains("x-bin"), e.getMessage());
        }
    }

    @Test
    void rejectsWhatCannotBeSentAndAddsNothing() {
        String[][] bad = {
            {"", "v"},
            {"bad key", "v"},
            {"k\u00e9y", "v"},
            {"k:y", "v"},
            {"content-type", "text/plain"},
            {"te", "trailers"},
            {"grpc-status", "0"},
            {"grpc-timeout", "1S"},
            {"user-agent", "me"},
            {"GRPC-MESSAGE", "x"},
            {"k", "caf\u00e9"},
            {"k", "line\nbreak"},
            {"k", "tab\t"},
            {"k", " leading"},
            {"k", "trailing "},
            {"k-bin", "not base64!"},
        };
        for (String[] kv : bad) {
            Http2Headers h = new DefaultHttp2Headers().add("keep", "me");
            Metadata md = Metadata.builder().put("fine", "ok").put(kv[0], kv[1]).build();
            assertThrows(IllegalArgumentException.class, () -> GrpcMetadata.toHeaders(md, h), kv[0] + "=" + kv[1]);
            assertEquals(List.of("keep=me"), entries(h), "untouched on failure");
        }
    }

    @Test
    void classifiesNames() {
        assertTrue(GrpcMetadata.isReserved(":path"));
        assertTrue(GrpcMetadata.isReserved("Content-Type"));
        assertTrue(GrpcMetadata.isReserved(AsciiString.of("grpc-status-details-bin")));
        assertFalse(GrpcMetadata.isReserved("grpc-previous-rpc-attempts"));
        assertFalse(GrpcMetadata.isReserved("x-custom"));
        assertTrue(GrpcMetadata.isBinaryKey("a-bin"));
        assertTrue(GrpcMetadata.isBinaryKey("A-BIN"));
        assertFalse(GrpcMetadata.isBinaryKey("-bin"));
        assertFalse(GrpcMetadata.isBinaryKey("abin"));
    }

    static List<String> entries(Http2Headers h) {
        List<String> out = new ArrayList<>();
        h.forEach(e -> out.add(e.getKey() + "=" + e.getValue()));
        return out;
    }
}
