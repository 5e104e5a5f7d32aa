package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.TimeUnit;

/**
 * The {@code grpc-timeout} header: at most 8 ASCII digits followed by a unit, {@code H} hours,
 * {@code M} minutes, {@code S} seconds, {@code m} milliseconds, {@code u} microseconds,
 * {@code n} nanoseconds.
 *
 * <p>{@link #encode} picks the finest unit whose value fits in 8 digits, truncating towards zero, as
 * grpc-java does (so the server's deadline is never later than the client's).
 */
public final class GrpcTimeout {

    /** The largest value a unit may carry: 8 digits. */
    public static final long MAX_VALUE = 99_999_999L;

    private static final long CUTOFF = MAX_VALUE + 1; // 10^8
    private static final char[] UNITS = {'n', 'u', 'm', 'S', 'M', 'H'};
    private static final long[] NANOS_PER_UNIT = {
        1L,
        TimeUnit.MICROSECONDS.toNanos(1),
        TimeUnit.MILLISECONDS.toNanos(1),
        TimeUnit.SECONDS.toNanos(1),
        TimeUnit.MINUTES.toNanos(1),
        TimeUnit.HOURS.toNanos(1),
    };

    private GrpcTimeout() {
    }

    /**
     * The header value for a timeout of {@code nanos}: {@code 0n} for 0, {@code 99999999n} for
     * 99,999,999 ns, {@code 100000u} for 0.1 s, {@code 2562047H} for {@link Long#MAX_VALUE}.
     *
     * @throws IllegalArgumentException when {@code nanos} is negative (a deadline that already passed
     *                                  is failed locally with {@code DEADLINE_EXCEEDED}, not sent)
     */
    public static String encode(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("timeout must not be negative: " + nanos + " ns");
        }
        for (int i = 0; i < UNITS.length; i++) {
            long value = nanos / NANOS_PER_UNIT[i];
            if (value < CUTOFF) {
                return Long.toString(value) + UNITS[i];
            }
        }
        // Unreachable: Long.MAX_VALUE ns is about 2.6 million hours.
        return MAX_VALUE + "H";
    }

    /**
     * The timeout a header value stands for, in nanoseconds; {@link Long#MAX_VALUE} (about 292 years)
     * for values beyond it, which only hours can reach.
     *
     * @throws IllegalArgumentException unless the value is 1 to 8 ASCII digits followed by one of
     *                                  {@code H M S m u n} (no sign, no spaces)
     */
    public static long decodeNanos(CharSequence value) {
        requireNonNull(value, "value");
        int len = value.length();
        if (len < 2 || len > 9) {
            throw invalid(value);
        }
        long n = 0;
        for (int i = 0; i < len - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(value);
            }
            n = n * 10 + (c - '0');
        }
        char unit = value.charAt(len - 1);
        for (int i = 0; i < UNITS.length; i++) {
            if (UNITS[i] == unit) {
                // 99999999 H (3.6e20 ns) does not fit in a long: saturate, as grpc-java does.
                long unitNanos = NANOS_PER_UNIT[i];
                return n > Long.MAX_VALUE / unitNanos ? Long.MAX_VALUE : n * unitNanos;
            }
        }
        throw invalid(value);
    }

    private static IllegalArgumentException invalid(CharSequence value) {
        return new IllegalArgumentException("invalid grpc-timeout '" + value
                + "' (expected: 1 to 8 digits and a unit H, M, S, m, u or n)");
    }
}
