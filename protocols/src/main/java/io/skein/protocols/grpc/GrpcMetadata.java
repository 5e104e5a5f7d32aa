package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http2.Http2Headers;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Skein {@link Metadata} as gRPC custom metadata (HTTP/2 headers).
 *
 * <p><b>Prefixes</b> (Kitex's metainfo over HTTP, bytedance/gopkg {@code cloud/metainfo}
 * {@code HTTPPrefixPersistent} / {@code HTTPPrefixTransient}, which Kitex's gRPC transport uses):
 * <ul>
 * <li>persistent {@code k} ⇄ header {@code rpc-persist-k};</li>
 * <li>transient {@code k} → header {@code k}, without a prefix, so that plain gRPC peers (grpc-java,
 *     grpc-go) see ordinary custom metadata (the interop case {@code custom_metadata} needs exactly
 *     that); a transient key that itself starts with {@code rpc-persist-} or {@code rpc-transit-} is
 *     sent as {@code rpc-transit-k} so it reads back unchanged;</li>
 * <li>on receipt, {@code rpc-transit-k} (what a Kitex gRPC client sends for its transient metainfo)
 *     → transient {@code k}; any other non-reserved header {@code k} → transient {@code k}.</li>
 * </ul>
 * Keys travel lower-cased and otherwise verbatim. Kitex additionally converts metainfo keys CGI-style
 * ({@code rpc-persist-trace-id} is {@code TRACE_ID} to a Kitex handler); Skein does not, so that keys
 * survive Skein to Skein over every protocol. Kitex users who want to read Skein metadata by its Kitex
 * name use upper-case, underscore keys on their side as usual.
 *
 * <p><b>Binary ({@code -bin}) keys.</b> gRPC sends their values base64-encoded; Skein's metadata holds
 * strings, so a {@code -bin} value in {@link Metadata} <em>is the base64 text</em> (standard alphabet).
 * On receipt, padded and unpadded values are accepted and normalized to unpadded; on sending, the
 * value (padded or not) is checked and sent unpadded, as grpc-java and grpc-go send it. A malformed
 * received {@code -bin} value fails with {@code INTERNAL} (as grpc-go's server does).
 *
 * <p><b>Repeated headers</b> are joined with {@code ","} into one value (HTTP's list semantics); a
 * {@code -bin} value with commas is sent as one header per element, as grpc-java reads them.
 *
 * <p><b>Reserved headers</b> are never metadata, either way: pseudo-headers ({@code :path} ...), the
 * headers gRPC itself uses ({@code content-type}, {@code te}, {@code user-agent},
 * {@code grpc-timeout}, {@code grpc-encoding}, {@code grpc-accept-encoding}, {@code grpc-status},
 * {@code grpc-message}, {@code grpc-status-details-bin}, {@code grpc-message-type}), and HTTP's
 * framing and connection headers ({@code content-length}, {@code content-encoding},
 * {@code accept-encoding}, {@code host}, {@code connection}, {@code keep-alive},
 * {@code proxy-connection}, {@code transfer-encoding}, {@code upgrade}). They are skipped on receipt
 * and rejected on sending.
 */
public final class GrpcMetadata {

    /** The header prefix of persistent metadata (Kitex {@code metainfo.HTTPPrefixPersistent}). */
    public static final String PERSISTENT_PREFIX = "rpc-persist-";
    /** The header prefix of Kitex's transient metainfo ({@code metainfo.HTTPPrefixTransient}). */
    public static final String TRANSIENT_PREFIX = "rpc-transit-";
    /** The suffix of binary keys. */
    public static final String BINARY_SUFFIX = "-bin";

    private static final Set<String> RESERVED = Set.of(
            "content-type", "te", "user-agent",
            "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status", "grpc-message",
            "grpc-status-details-bin", "grpc-message-type",
            "content-length", "content-encoding", "accept-encoding", "host", "connection", "keep-alive",
            "proxy-connection", "transfer-encoding", "upgrade");

    private static final Base64.Decoder DECODER = Base64.getDecoder();
    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();

    private GrpcMetadata() {
    }

    /** Whether a header name is reserved (a pseudo-header or one of the names listed above). */
    public static boolean isReserved(CharSequence name) {
        requireNonNull(name, "name");
        return name.length() > 0 && name.charAt(0) == ':'
               || RESERVED.contains(name.toString().toLowerCase(Locale.ROOT));
    }

    /** Whether a key names binary metadata (ends with {@code -bin}). */
    public static boolean isBinaryKey(CharSequence key) {
        requireNonNull(key, "key");
        int n = key.length();
        return n > BINARY_SUFFIX.length() && key.toString().regionMatches(true, n - 4, BINARY_SUFFIX, 0, 4);
    }

    /**
     * The metadata in {@code headers} (request headers, response headers or trailers): every
     * non-reserved header, split by prefix into transient and persistent values, {@code -bin} values
     * normalized to unpadded base64.
     *
     * @throws StatusException {@code INTERNAL} when a {@code -bin} value is not base64
     */
    public static Metadata fromHeaders(Http2Headers headers) {
        requireNonNull(headers, "headers");
        Map<String, String> transientValues = null;
        Map<String, String> persistentValues = null;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            CharSequence rawName = e.getKey();
            if (rawName.length() == 0 || rawName.charAt(0) == ':') {
                continue;
            }
            String name = rawName.toString().toLowerCase(Locale.ROOT);
            if (RESERVED.contains(name)) {
                continue;
            }
            String value = e.getValue().toString();
            if (isBinaryKey(name)) {
                value = normalizeBinary(name, value);
            }
            if (name.length() > PERSISTENT_PREFIX.length() && name.startsWith(PERSISTENT_PREFIX)) {
                persistentValues = put(persistentValues, name.substring(PERSISTENT_PREFIX.length()), value);
            } else if (name.length() > TRANSIENT_PREFIX.length() && name.startsWith(TRANSIENT_PREFIX)) {
                transientValues = put(transientValues, name.substring(TRANSIENT_PREFIX.length()), value);
            } else {
                transientValues = put(transientValues, name, value);
            }
        }
        if (transientValues == null && persistentValues == null) {
            return Metadata.EMPTY;
        }
        Metadata.Builder b = Metadata.builder();
        if (transientValues != null) {
            transientValues.forEach(b::put);
        }
        if (persistentValues != null) {
            persistentValues.forEach(b::putPersistent);
        }
        return b.build();
    }

    /**
     * Adds {@code metadata} to {@code headers}: transient values first, then persistent ones, keys
     * lower-cased (see the class comment for prefixes and {@code -bin} values). Nothing is added when
     * it throws.
     *
     * @throws IllegalArgumentException for a key that is empty, reserved or has characters other than
     *                                  {@code 0-9 a-z _ - .} (after lower-casing), a value of a
     *                                  non-binary key with characters outside {@code 0x20..0x7E} (use a
     *                                  {@code -bin} key for anything else) or starting or ending with a
     *                                  space (HTTP/2 forbids it), or a {@code -bin} value that is not
     *                                  base64
     */
    public static void toHeaders(Metadata metadata, Http2Headers headers) {
        requireNonNull(metadata, "metadata");
        requireNonNull(headers, "headers");
        if (metadata.isEmpty()) {
            return;
        }
        // Validate and convert everything first, so that a failure leaves the headers untouched.
        int n = metadata.transientValues().size() + metadata.persistentValues().size();
        String[] names = new String[n];
        String[] values = new String[n];
        int i = 0;
        for (Map.Entry<String, String> e : metadata.transientValues().entrySet()) {
            String key = checkKey(e.getKey());
            boolean prefixed = key.startsWith(PERSISTENT_PREFIX) || key.startsWith(TRANSIENT_PREFIX);
            names[i] = prefixed ? TRANSIENT_PREFIX + key : key;
            values[i++] = checkValue(key, e.getValue());
        }
        for (Map.Entry<String, String> e : metadata.persistentValues().entrySet()) {
            String key = checkKey(e.getKey());
            names[i] = PERSISTENT_PREFIX + key;
            values[i++] = checkValue(key, e.getValue());
        }
        for (int j = 0; j < n; j++) {
            if (isBinaryKey(names[j]) && values[j].indexOf(',') >= 0) {
                for (String part : values[j].split(",", -1)) {
                    headers.add(names[j], part);
                }
            } else {
                headers.add(names[j], values[j]);
            }
        }
    }

    private static Map<String, String> put(Map<String, String> map, String key, String value) {
        if (map == null) {
            map = new LinkedHashMap<>();
        }
        map.merge(key, value, (a, b) -> a + ',' + b);
        return map;
    }

    private static String checkKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.isEmpty()) {
            throw new IllegalArgumentException("empty metadata key");
        }
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                throw new IllegalArgumentException("metadata key '" + key
                        + "' has a character gRPC does not allow (expected: 0-9 a-z _ - .)");
            }
        }
        if (RESERVED.contains(k)) {
            throw new IllegalArgumentException("metadata key '" + key + "' is reserved for gRPC/HTTP");
        }
        return k;
    }

    private static String checkValue(String key, String value) {
        if (isBinaryKey(key)) {
            try {
                return normalizeBinaryParts(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("value of binary metadata key '" + key
                        + "' is not base64: " + e.getMessage());
            }
        }
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new IllegalArgumentException("value of metadata key '" + key
                        + "' has a character outside printable ASCII at index " + i
                        + " (use a -bin key for binary or non-ASCII values)");
            }
        }
        if (n > 0 && (value.charAt(0) == ' ' || value.charAt(n - 1) == ' ')) {
            // RFC 9113 8.2.1: an HTTP/2 field value must not start or end with whitespace.
            throw new IllegalArgumentException("value of metadata key '" + key
                    + "' starts or ends with a space, which HTTP/2 does not allow");
        }
        return value;
    }

    private static String normalizeBinary(String name, String value) {
        try {
            return normalizeBinaryParts(value);
        } catch (IllegalArgumentException e) {
            throw new StatusException(StatusCode.INTERNAL, "malformed binary metadata in header '" + name
                    + "': " + e.getMessage());
        }
    }

    /** Each comma-separated element decoded (padded or not) and re-encoded unpadded. */
    static String normalizeBinaryParts(String value) {
        if (value.indexOf(',') < 0) {
            return normalizeBase64(value);
        }
        StringBuilder sb = new StringBuilder(value.length());
        for (String part : value.split(",", -1)) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(normalizeBase64(part.trim()));
        }
        return sb.toString();
    }

    private static String normalizeBase64(String part) {
        int end = part.length();
        while (end > 0 && part.charAt(end - 1) == '=') {
            end--;
        }
        if (part.length() - end > 2 || end % 4 == 1) {
            throw new IllegalArgumentException("bad base64 length or padding");
        }
        // Java's decoder accepts unpadded input; it rejects characters outside the standard alphabet.
        byte[] bytes = DECODER.decode(end == part.length() ? part : part.substring(0, end));
        return ENCODER.encodeToString(bytes);
    }
}
