package io.skein.protocols.kitex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KitexBizStatusTest {

    @Test
    void extraIsEscapedExactlyAsKitexEncodesIt() {
        // Expected values printed by Kitex v0.16.3's utils.Map2JSONStr (sonic, EscapeHTML) for the same maps.
        String tricky = "a\"b\\c\n\r\t\u0001\u001f<>&\u2028\u2029\u007f é ✓ 😈 /";
        assertEquals("{\"k\\u003c\":\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\\u003c\\u003e\\u0026\\u2028\\u2029\u007f é ✓ 😈 /\"}",
                KitexBizStatus.extraToJson(Map.of("k<", tricky)));
        assertEquals("{\"k\\u003c\":\"plain\"}", KitexBizStatus.extraToJson(Map.of("k<", "plain")));
        // Kitex writes invalid UTF-8 as U+FFFD; the Java counterpart is an unpaired surrogate.
        assertEquals("{\"bad\":\"\\ufffd\"}", KitexBizStatus.extraToJson(Map.of("bad", "\uD83D")));
        assertEquals("{}", KitexBizStatus.extraToJson(Map.of()));
    }

    @Test
    void extraReadsBackWhatItWritesInOrder() {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("z", "last key first");
        extra.put("tricky", "a\"b\\c\n\u0001<>&\u2028 😈");
        extra.put("", "");
        assertEquals(extra, KitexBizStatus.extraFromJson(KitexBizStatus.extraToJson(extra)));
        assertEquals(java.util.List.copyOf(extra.keySet()),
                java.util.List.copyOf(KitexBizStatus.extraFromJson(KitexBizStatus.extraToJson(extra)).keySet()));
    }

    @Test
    void extraParsesWhatKitexAccepts() {
        // Whitespace, \\u escapes with a surrogate pair, an escaped slash, a null value, a top-level null.
        assertEquals(Map.of("a", "é😈/", "b", ""),
                KitexBizStatus.extraFromJson(" { \"a\" : \"\\u00e9\\ud83d\\ude08\\/\" , \"b\":null } "));
        assertEquals(Map.of(), KitexBizStatus.extraFromJson("null"));
        assertEquals(Map.of(), KitexBizStatus.extraFromJson("{}"));
        assertEquals(Map.of("k", "2"), KitexBizStatus.extraFromJson("{\"k\":\"1\",\"k\":\"2\"}"));
    }

    @Test
    void extraThatIsNotAnObjectOfStringsFailsWithOneClearLine() {
        for (String bad : new String[] {"", "[]", "{\"a\":1}", "{\"a\":\"x\"", "{\"a\":\"x\"} tail", "{a:\"x\"}",
                "{\"a\":\"\\q\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"\\u-123\"}", "{\"a\":\"\u0001\"}", "{\"a\":\"x\",}",
                "{\n  \"a\": 1\n}", "{\"a\":\"x\"}\r\n{\"b\":\"y\"}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KitexBizStatus.extraFromJson(bad), bad);
            assertTrue(e.getMessage().startsWith("biz-extra is not a JSON object of strings ("), e.getMessage());
            assertFalse(e.getMessage().chars().anyMatch(c -> c < 0x20), e.getMessage());
        }
    }

    @Test
    void businessCodesOneToSixteenAreCanonicalCodesAndOthersAreUnknown() {
        assertEquals(StatusCode.CANCELLED, KitexBizStatus.toStatusCode(1));
        assertEquals(StatusCode.NOT_FOUND, KitexBizStatus.toStatusCode(5));
        assertEquals(StatusCode.UNAUTHENTICATED, KitexBizStatus.toStatusCode(16));
        assertEquals(StatusCode.UNKNOWN, KitexBizStatus.toStatusCode(17));
        assertEquals(StatusCode.UNKNOWN, KitexBizStatus.toStatusCode(10001));
        assertEquals(StatusCode.UNKNOWN, KitexBizStatus.toStatusCode(-5));
        assertEquals(Status.of(StatusCode.UNKNOWN, "quota"), new KitexBizStatus(10001, "quota", null).toStatus());
    }

    @Test
    void aBusinessStatusIsReadFromResponseMetadataAsKitexReadsIt() {
        Metadata md = Metadata.builder().put("biz-status", "10001").put("biz-message", "over quota")
                .put("biz-extra", "{\"limit\":\"10\"}").put("other", "x").build();
        KitexBizStatus biz = KitexBizStatus.fromMetadata(md).orElseThrow();
        assertEquals(new KitexBizStatus(10001, "over quota", Map.of("limit", "10")), biz);
        assertEquals(new KitexBizStatus(-3, "", Map.of()),
                KitexBizStatus.fromMetadata(Metadata.builder().put("biz-status", "-3").build()).orElseThrow());
        // Kitex's strconv.ParseInt(v, 10, 32): 0, garbage, empty and out-of-range values mean no error.
        for (String none : new String[] {"0", "abc", "", "2147483648", " 5"}) {
            assertTrue(KitexBizStatus.fromMetadata(Metadata.builder().put("biz-status", none).build()).isEmpty(), none);
        }
        assertTrue(KitexBizStatus.fromMetadata(Metadata.EMPTY).isEmpty());
        assertTrue(KitexBizStatus.fromMetadata(Metadata.builder().putPersistent("biz-status", "5").build()).isEmpty(),
                "only the transient (bare) keys are a business status");
        assertThrows(IllegalArgumentException.class, () -> new KitexBizStatus(0, "", null));
    }
}
