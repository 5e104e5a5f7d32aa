package io.skein.protocols.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GrpcTimeoutTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0n",
        "1, 1n",
        "99999999, 99999999n",
        "100000000, 100000u",            // 0.1 s: no longer fits in nanoseconds
        "1000000000, 1000000u",          // 1 s
        "1000000999, 1000000u",          // truncated, never rounded up
        "99999999999, 99999999u",
        "100000000000, 100000m",         // 100 s
        "3600000000000, 3600000m",       // 1 h
        "99999999999999, 99999999m",
        "100000000000000, 100000S",
        "99999999000000000, 99999999S",
        "100000000000000000, 1666666M",
        "9223372036854775807, 2562047H", // Long.MAX_VALUE
    })
    void encodesWithTheFinestUnitThatFits(long nanos, String expected) {
        assertEquals(expected, GrpcTimeout.encode(nanos));
    }

    @Test
    void encodedValuesHaveAtMostEightDigitsAndDecodeToAtMostTheInput() {
        for (long n = 1; n > 0 && n < Long.MAX_VALUE / 3; n = n * 3 + 1) {
            String s = GrpcTimeout.encode(n);
            long back = GrpcTimeout.decodeNanos(s);
            assertEquals(true, s.length() <= 9, s);
            assertEquals(true, back <= n && back > n - n / 1000 - 1, s + " for " + n);
        }
    }

    @Test
    void rejectsNegativeTimeouts() {
        assertThrows(IllegalArgumentException.class, () -> GrpcTimeout.encode(-1));
    }

    @ParameterizedTest
    @CsvSource({
        "0n, 0",
        "1n, 1",
        "1u, 1000",
        "1m, 1000000",
        "1S, 1000000000",
        "1M, 60000000000",
        "1H, 3600000000000",
        "00000001u, 1000",
        "99999999M, 5999999940000000000",
        "2562047H, 9223369200000000000",
        "2562048H, 9223372036854775807",  // saturates
        "99999999H, 9223372036854775807",
    })
    void decodes(String value, long nanos) {
        assertEquals(nanos, GrpcTimeout.decodeNanos(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "n", "1", "S1", "123456789n", "1h", "1s", "1x", "-1S", "+1S", " 1S", "1S ", "1 S",
                            "1.5S", "١S", "1SS", "0x1S"})
    void rejectsMalformedValues(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GrpcTimeout.decodeNanos(value));
        assertEquals(true, e.getMessage().contains("grpc-timeout"));
    }
}
