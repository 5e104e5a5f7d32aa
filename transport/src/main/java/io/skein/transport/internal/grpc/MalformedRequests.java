package io.skein.transport.internal.grpc;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The rules of RFC 9113 for request HEADERS (and trailers) that Netty's own validation leaves to the
 * application. A request that breaks one is malformed (section 8.1.1): the server resets its stream
 * with RST_STREAM(PROTOCOL_ERROR) and gives it no HTTP or gRPC answer.
 *
 * <p>Netty's codec, built with header validation and required pseudo-headers on, has already rejected
 * the same way: uppercase or otherwise invalid field names, unknown pseudo-headers, pseudo-headers
 * after regular fields or mixed request and response ones, duplicated pseudo-headers,
 * connection-specific fields ({@code connection}, {@code keep-alive}, {@code proxy-connection},
 * {@code transfer-encoding}, {@code upgrade}), {@code te} other than {@code trailers}, a missing
 * {@code :method}, a missing {@code :scheme} or empty {@code :path} outside CONNECT, a CONNECT without
 * {@code :authority}, pseudo-headers in trailers, and a {@code content-length} that the DATA does not
 * match. What is left is checked here.
 */
final class MalformedRequests {

    private static final AsciiString HOST = AsciiString.cached("host");
    private static final AsciiString PROTOCOL = AsciiString.cached(":protocol");

    private MalformedRequests() {
    }

    /**
     * Why request headers are malformed, or {@code null} when they are not:
     * <ul>
     * <li>{@code :protocol} (extended CONNECT, RFC 8441, is never enabled here);</li>
     * <li>CONNECT with {@code :scheme} or {@code :path} (section 8.5);</li>
     * <li>{@code :path} neither starting with {@code /} nor {@code *} for OPTIONS (section 8.3.1);</li>
     * <li>for {@code http} and {@code https}: neither {@code :authority} nor {@code host}, either one
     * empty, several {@code host} fields, both present with different values, or user info in
     * {@code :authority} (section 8.3.1);</li>
     * <li>a field value with NUL, CR or LF, or with leading or trailing whitespace (section 8.2.1).</li>
     * </ul>
     */
    static String request(Http2Headers headers) {
        String value = badValue(headers); // first: the reasons below quote values
        if (value != null) {
            return value;
        }
        CharSequence method = headers.method();
        if (headers.contains(PROTOCOL)) {
            return ":protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL";
        }
        if (method != null && "CONNECT".contentEquals(method)) {
            return headers.scheme() != null || headers.path() != null ? "CONNECT with :scheme or :path" : null;
        }
        CharSequence path = headers.path();
        if (path != null && path.length() > 0 && path.charAt(0) != '/'
                && !("*".contentEquals(path) && method != null && "OPTIONS".contentEquals(method))) {
            return ":path '" + path + "' is neither absolute nor '*' for OPTIONS";
        }
        CharSequence scheme = headers.scheme();
        if (scheme != null && (AsciiString.contentEqualsIgnoreCase(scheme, "http")
                || AsciiString.contentEqualsIgnoreCase(scheme, "https"))) {
            return authorityProblem(headers);
        }
        return null;
    }

    /** Why request trailers are malformed, or {@code null} (pseudo-headers in them are Netty's to reject). */
    static String trailers(Http2Headers trailers) {
        return badValue(trailers);
    }

    private static String authorityProblem(Http2Headers headers) {
        CharSequence authority = headers.authority();
        List<CharSequence> hosts = headers.getAll(HOST);
        if (authority == null && hosts.isEmpty()) {
            return "neither :authority nor host";
        }
        if (hosts.size() > 1) {
            return "more than one host field";
        }
        CharSequence host = hosts.isEmpty() ? null : hosts.get(0);
        if (authority != null && authority.length() == 0 || host != null && host.length() == 0) {
            return "empty :authority or host";
        }
        if (authority != null && AsciiString.indexOf(authority, '@', 0) >= 0) {
            return ":authority with user info";
        }
        if (authority != null && host != null && !AsciiString.contentEquals(authority, host)) {
            return ":authority '" + authority + "' and host '" + host + "' differ";
        }
        return null;
    }

    private static String badValue(Http2Headers headers) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iterator(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            CharSequence value = field.getValue();
            int n = value.length();
            if (n > 0 && (isWhitespace(value.charAt(0)) || isWhitespace(value.charAt(n - 1)))) {
                return "value of '" + field.getKey() + "' starts or ends with whitespace";
            }
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (c == 0 || c == '\r' || c == '\n') {
                    return "value of '" + field.getKey() + "' contains NUL, CR or LF";
                }
            }
        }
        return null;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }
}
