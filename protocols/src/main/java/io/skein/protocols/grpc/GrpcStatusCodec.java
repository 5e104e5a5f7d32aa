package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http2.Http2Headers;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Status on gRPC: {@code grpc-status} / {@code grpc-message} in trailers (or a trailers-only
 * response), the percent-encoding of {@code grpc-message}, and the mapping of an HTTP status onto a
 * gRPC code for responses that carry no {@code grpc-status} (from an intermediary, typically).
 *
 * <p>Percent-encoding, per gRPC's PROTOCOL-HTTP2: the message is UTF-8; every byte outside
 * {@code 0x20..0x7E}, and {@code '%'} itself, is sent as {@code %XX} (upper-case hex). Decoding is
 * lenient, as the spec requires: a {@code '%'} not followed by two hex digits is kept as it is, and
 * bytes that are not valid UTF-8 become U+FFFD; decoding never fails.
 */
public final class GrpcStatusCodec {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private GrpcStatusCodec() {
    }

    // ---------------------------------------------------------------- grpc-message percent-encoding

    /** {@code message} percent-encoded for {@code grpc-message}; unchanged when nothing needs escaping. */
    public static String encodeMessage(String message) {
        requireNonNull(message, "message");
        int n = message.length();
        int i = 0;
        while (i < n && isUnreserved(message.charAt(i))) {
            i++;
        }
        if (i == n) {
            return message;
        }
        byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(utf8.length + 16);
        for (byte b : utf8) {
            int c = b & 0xFF;
            if (isUnreserved(c)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >>> 4]).append(HEX[c & 0xF]);
            }
        }
        return sb.toString();
    }

    /**
     * A received {@code grpc-message} decoded: {@code %XX} sequences are bytes, the result is read as
     * UTF-8. Characters up to U+00FF stand for one byte each (Netty hands header bytes over as
     * ISO-8859-1 characters); higher ones, which cannot come off the wire, are taken as their UTF-8.
     * Never fails. {@code null} gives {@code ""}.
     */
    public static String decodeMessage(CharSequence value) {
        if (value == null) {
            return "";
        }
        int n = value.length();
        boolean plain = true;
        for (int i = 0; i < n && plain; i++) {
            char c = value.charAt(i);
            plain = c != '%' && c >= 0x20 && c <= 0x7E;
        }
        if (plain) {
            return value.toString();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(n);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < n) {
                int hi = Character.digit(value.charAt(i + 1), 16);
                int lo = Character.digit(value.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0 && value.charAt(i + 1) < 0x80 && value.charAt(i + 2) < 0x80) {
                    bytes.write(hi << 4 | lo);
                    i += 2;
                    continue;
                }
            }
            if (c <= 0xFF) {
                bytes.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                    b = new String(new char[] {c, value.charAt(++i)}).getBytes(StandardCharsets.UTF_8);
                }
                bytes.write(b, 0, b.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isUnreserved(int c) {
        return c >= 0x20 && c <= 0x7E && c != '%';
    }

    // ---------------------------------------------------------------- trailers

    /**
     * Writes {@code status} into {@code trailers}: {@code grpc-status} (decimal) and, when the message
     * is not empty, {@code grpc-message} (percent-encoded); an empty message removes any
     * {@code grpc-message}. The local cause is never sent.
     */
    public static void toTrailers(Status status, Http2Headers trailers) {
        requireNonNull(status, "status");
        requireNonNull(trailers, "trailers");
        trailers.set(GrpcHeaders.GRPC_STATUS, GrpcHeaders.statusValue(status.code()));
        if (status.message().isEmpty()) {
            trailers.remove(GrpcHeaders.GRPC_MESSAGE);
        } else {
            trailers.set(GrpcHeaders.GRPC_MESSAGE, encodeMessage(status.message()));
        }
    }

    /**
     * The status that trailers (or the headers of a trailers-only response) carry.
     * <ul>
     * <li>{@code grpc-status} present: its code ({@code UNKNOWN} for a value outside 0..16 or not a
     *     number, as gRPC specifies) with the decoded {@code grpc-message};</li>
     * <li>absent, but {@code :status} present (a trailers-only response, or an HTTP error from an
     *     intermediary): the code {@link #codeForHttpStatus} maps it to;</li>
     * <li>neither: {@code UNKNOWN} "missing grpc-status" (grpc-java says the same).</li>
     * </ul>
     */
    public static Status fromTrailers(Http2Headers trailers) {
        requireNonNull(trailers, "trailers");
        CharSequence code = trailers.get(GrpcHeaders.GRPC_STATUS);
        if (code == null) {
            CharSequence http = trailers.status();
            if (http != null) {
                Status s = fromHttpStatus(http);
                return Status.of(s.code(), s.message() + " (missing grpc-status, inferred from the HTTP status)");
            }
            return Status.of(StatusCode.UNKNOWN, "missing grpc-status in response trailers");
        }
        String message = decodeMessage(trailers.get(GrpcHeaders.GRPC_MESSAGE));
        int value = parseNonNegative(code);
        StatusCode sc = StatusCode.fromValue(value);
        if (sc == StatusCode.UNKNOWN && value != StatusCode.UNKNOWN.value() && message.isEmpty()) {
            message = "Unknown grpc-status '" + code + '\'';
        }
        return Status.of(sc, message);
    }

    // ---------------------------------------------------------------- HTTP status

    /**
     * The gRPC code for the HTTP status of a response without {@code grpc-status}, per
     * grpc/doc/http-grpc-status-mapping.md: 400 → INTERNAL, 401 → UNAUTHENTICATED, 403 →
     * PERMISSION_DENIED, 404 → UNIMPLEMENTED, 429, 502, 503, 504 → UNAVAILABLE, anything else →
     * UNKNOWN. Only for clients reading such responses; a server never derives an HTTP status from a
     * gRPC code (the mapping is neither symmetric nor one to one).
     */
    public static StatusCode codeForHttpStatus(int httpStatus) {
        switch (httpStatus) {
            case 400:
                return StatusCode.INTERNAL;
            case 401:
                return StatusCode.UNAUTHENTICATED;
            case 403:
                return StatusCode.PERMISSION_DENIED;
            case 404:
                return StatusCode.UNIMPLEMENTED;
            case 429:
            case 502:
            case 503:
            case 504:
                return StatusCode.UNAVAILABLE;
            default:
                return StatusCode.UNKNOWN;
        }
    }

    /** {@link #codeForHttpStatus} with the message "HTTP status code N". */
    public static Status fromHttpStatus(int httpStatus) {
        return Status.of(codeForHttpStatus(httpStatus), "HTTP status code " + httpStatus);
    }

    /**
     * {@link #fromHttpStatus(int)} for a {@code :status} header value; a value that is not a 3-digit
     * number is {@code INTERNAL} "malformed :status".
     */
    public static Status fromHttpStatus(CharSequence httpStatus) {
        requireNonNull(httpStatus, "httpStatus");
        int value = httpStatus.length() == 3 ? parseNonNegative(httpStatus) : -1;
        if (value < 100) {
            return Status.of(StatusCode.INTERNAL, "malformed :status '" + httpStatus + '\'');
        }
        return fromHttpStatus(value);
    }

    /** The decimal value of 1 to 9 ASCII digits, or -1. */
    static int parseNonNegative(CharSequence s) {
        int n = s.length();
        if (n == 0 || n > 9) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
