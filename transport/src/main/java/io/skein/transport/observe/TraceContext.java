package io.skein.transport.observe;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The W3C Trace Context of one span (https://www.w3.org/TR/trace-context/): what a service sees of the
 * trace its call belongs to ({@link io.skein.transport.CallContext#trace()}), what
 * {@link io.skein.transport.CallOptions#continuing} carries to the calls it makes, and what travels on
 * the wire as {@code traceparent} and {@code tracestate} request metadata (gRPC headers; TTHeader
 * string keys {@code RPC_TRANSIT_traceparent}, as Kitex's OpenTelemetry integration sends them).
 * Immutable; a value (equal when all four parts are). Ids from outside are validated; the ids it
 * generates itself ({@link #newSpan}) are valid by construction and skip that.
 */
public final class TraceContext {

    /** Request metadata key of the W3C {@code traceparent} value. */
    public static final String TRACEPARENT = "traceparent";
    /** Request metadata key of the W3C {@code tracestate} value. */
    public static final String TRACESTATE = "tracestate";

    /** Eight bytes of a {@code byte[]} as one big-endian {@code long}: eight hex digits in one store. */
    private static final VarHandle EIGHT = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final String traceId;
    private final String spanId;
    private final boolean sampled;
    private final String traceState;

    /**
     * @param traceId    32 lower-case hex digits, not all zero
     * @param spanId     16 lower-case hex digits, not all zero
     * @param sampled    the {@code sampled} trace flag
     * @param traceState the {@code tracestate} value, empty for none
     * @throws IllegalArgumentException when an id is not valid W3C
     */
    public TraceContext(String traceId, String spanId, boolean sampled, String traceState) {
        this(requireNonNull(traceId, "traceId"), requireNonNull(spanId, "spanId"), sampled,
                requireNonNull(traceState, "traceState"), true);
        if (!isHex(traceId, 32) || !isHex(spanId, 16)) {
            throw new IllegalArgumentException("not a W3C trace/span id: " + traceId + "/" + spanId);
        }
    }

    private TraceContext(String traceId, String spanId, boolean sampled, String traceState, boolean trusted) {
        this.traceId = traceId;
        this.spanId = spanId;
        this.sampled = sampled;
        this.traceState = traceState;
    }

    /**
     * A new span with a random id: of {@code parent}'s trace (its trace state passed on unless
     * {@code traceState} is given), or, without a parent, of a new trace with a random id. Random ids are
     * never all zero. Built without parsing: the cheap path for calls that are not sampled but still
     * propagate their trace.
     */
    public static TraceContext newSpan(TraceContext parent, boolean sampled, String traceState) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String traceId = parent != null ? parent.traceId : hex(nonZero(random), random.nextLong());
        String state = traceState != null ? traceState : parent != null ? parent.traceState : "";
        return new TraceContext(traceId, hex(nonZero(random)), sampled, state, true);
    }

    /** 32 lower-case hex digits, not all zero. */
    public String traceId() {
        return traceId;
    }

    /** 16 lower-case hex digits, not all zero. */
    public String spanId() {
        return spanId;
    }

    /** The {@code sampled} trace flag. */
    public boolean sampled() {
        return sampled;
    }

    /** The {@code tracestate} value, empty for none. */
    public String traceState() {
        return traceState;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TraceContext t && sampled == t.sampled && traceId.equals(t.traceId)
                && spanId.equals(t.spanId) && traceState.equals(t.traceState);
    }

    @Override
    public int hashCode() {
        return Objects.hash(traceId, spanId, sampled, traceState);
    }

    @Override
    public String toString() {
        return "TraceContext[traceId=" + traceId + ", spanId=" + spanId + ", sampled=" + sampled
                + ", traceState=" + traceState + "]";
    }

    /** The {@code traceparent} value: {@code 00-<trace id>-<span id>-<flags>}. */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }

    /**
     * Parses a {@code traceparent} value (and its {@code tracestate}, {@code null} for none); {@code null}
     * when the value is absent or malformed (a bad header starts a new trace, as the W3C spec says).
     */
    public static TraceContext parse(String traceparent, String tracestate) {
        if (traceparent == null) {
            return null;
        }
        String v = traceparent.trim().toLowerCase(Locale.ROOT);
        // version "00" is exactly 55 chars; later versions may append fields after another '-'.
        if (v.length() < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-'
                || (v.length() > 55 && v.charAt(55) != '-')) {
            return null;
        }
        String version = v.substring(0, 2);
        if (!isHexAny(version) || version.equals("ff") || (version.equals("00") && v.length() != 55)) {
            return null;
        }
        String traceId = v.substring(3, 35);
        String spanId = v.substring(36, 52);
        String flags = v.substring(53, 55);
        if (!isHex(traceId, 32) || !isHex(spanId, 16) || !isHexAny(flags)) {
            return null;
        }
        boolean sampled = (Integer.parseInt(flags, 16) & 1) == 1;
        return new TraceContext(traceId, spanId, sampled, tracestate == null ? "" : tracestate.trim(), true);
    }

    /**
     * {@code length} lower-case hex digits, not all zero. Every traced call checks its ids, and random ids
     * make a branch per character unpredictable, so the loop has none: a character outside 0-9 and a-f
     * sets the sign bit of {@code bad}.
     */
    private static boolean isHex(String s, int length) {
        if (s.length() != length) {
            return false;
        }
        int bad = 0;
        int any = 0;
        for (int i = 0; i < length; i++) {
            int c = s.charAt(i);
            int digit = c - '0';
            int letter = c - 'a';
            bad |= (digit | (9 - digit)) & (letter | (5 - letter));
            any |= c ^ '0';
        }
        return bad >= 0 && any != 0; // all zero is invalid
    }

    private static long nonZero(ThreadLocalRandom random) {
        long v;
        do {
            v = random.nextLong();
        } while (v == 0);
        return v;
    }

    /** 32 lower-case hex digits of {@code high} then {@code low}. */
    private static String hex(long high, long low) {
        byte[] out = new byte[32];
        putHex(high, out, 0);
        putHex(low, out, 16);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** 16 lower-case hex digits of {@code value}. */
    private static String hex(long value) {
        byte[] out = new byte[16];
        putHex(value, out, 0);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private static void putHex(long value, byte[] out, int at) {
        EIGHT.set(out, at, hexDigits((int) (value >>> 32)));
        EIGHT.set(out, at + 8, hexDigits((int) value));
    }

    /**
     * The eight hex digits of {@code bits} as eight ASCII bytes in a long, the first digit in the most
     * significant byte, without a loop or a table (an id is made for every call): the nibbles are spread
     * one per byte, then each byte n becomes {@code '0' + n}, plus 39 more when n is 10 or above
     * ({@code 'a' - '0' - 10}); n + 6 carries into bit 4 exactly when n >= 10, and no byte overflows.
     */
    static long hexDigits(int bits) {
        long v = Integer.toUnsignedLong(bits);
        v = (v & 0xFFFFL) | (v & 0xFFFF0000L) << 16;
        v = (v & 0x000000FF000000FFL) | (v & 0x0000FF000000FF00L) << 8;
        v = (v & 0x000F000F000F000FL) | (v & 0x00F000F000F000F0L) << 4;
        long letters = ((v + 0x0606060606060606L) >>> 4) & 0x0101010101010101L;
        return v + 0x3030303030303030L + letters * ('a' - '0' - 10);
    }

    private static boolean isHexAny(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
