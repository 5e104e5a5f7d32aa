package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;

/**
 * The request side of gRPC's headers: building them on the client ({@link #builder}) and checking
 * them on the server ({@link #parse}).
 *
 * <p>{@link #parse} follows grpc-java's Netty server in order and in responses, with grpc-go's answer
 * for the cases grpc-java has none:
 * <table>
 * <caption>Request header rejections</caption>
 * <tr><th>request</th><th>HTTP</th><th>grpc-status</th></tr>
 * <tr><td>{@code :path} missing or not starting with {@code /}</td><td>404</td><td>UNIMPLEMENTED</td></tr>
 * <tr><td>{@code content-type} missing or not {@code application/grpc[+x|;x]}</td><td>415</td><td>INTERNAL</td></tr>
 * <tr><td>{@code :method} other than {@code POST}</td><td>405</td><td>INTERNAL</td></tr>
 * <tr><td>{@code te} other than {@code trailers} (when required)</td><td>200</td><td>INTERNAL</td></tr>
 * <tr><td>{@code :path} not {@code /service/method}</td><td>200</td><td>UNIMPLEMENTED</td></tr>
 * <tr><td>{@code grpc-timeout} malformed</td><td>400</td><td>INTERNAL</td></tr>
 * <tr><td>{@code grpc-encoding} not supported</td><td>200</td><td>UNIMPLEMENTED, with {@code grpc-accept-encoding}</td></tr>
 * <tr><td>a {@code -bin} metadata value not base64</td><td>400</td><td>INTERNAL</td></tr>
 * </table>
 *
 * <p><b>{@code te: trailers}.</b> Servers disagree: gRPC C-core rejects a request without it
 * (RST_STREAM), grpc-java's OkHttp server answers trailers-only {@code INTERNAL} "Expected header TE:
 * trailers, but &lt;missing&gt; is received. Some intermediate proxy may not support trailers",
 * grpc-java's Netty server and grpc-go only log it. The header exists to tell proxies that the client
 * understands trailers, without which no gRPC status can arrive. {@code parse(headers)} requires it
 * and answers like grpc-java's OkHttp server; {@code parse(headers, false)} accepts its absence (for
 * load generators such as h2load that leave it out).
 */
public final class GrpcRequestHeaders {

    private GrpcRequestHeaders() {
    }

    // ---------------------------------------------------------------- client

    /**
     * Starts request headers for {@code fullMethodName} ({@code package.Service/Method}).
     *
     * @throws IllegalArgumentException when the name is not {@code service/method} with both parts
     *                                  non-empty and printable ASCII without spaces
     */
    public static Builder builder(String fullMethodName) {
        requireNonNull(fullMethodName, "fullMethodName");
        int slash = fullMethodName.lastIndexOf('/');
        boolean ok = slash > 0 && slash < fullMethodName.length() - 1 && fullMethodName.charAt(0) != '/';
        for (int i = 0; ok && i < fullMethodName.length(); i++) {
            char c = fullMethodName.charAt(i);
            ok = c > 0x20 && c < 0x7F;
        }
        if (!ok) {
            throw new IllegalArgumentException("not a gRPC method name (expected: package.Service/Method): '"
                    + fullMethodName + '\'');
        }
        return new Builder(fullMethodName);
    }

    /**
     * Builds the HEADERS of a gRPC request: {@code :method POST}, {@code :scheme}, {@code :path
     * /package.Service/Method}, {@code :authority}, {@code te trailers}, {@code grpc-timeout},
     * {@code content-type application/grpc}, {@code grpc-encoding}, {@code grpc-accept-encoding},
     * {@code user-agent}, then the custom metadata.
     */
    public static final class Builder {
        private final String fullMethodName;
        private CharSequence scheme = "http";
        private CharSequence authority;
        private long timeoutNanos = GrpcRequest.NO_TIMEOUT;
        private GrpcCompression encoding = GrpcCompression.IDENTITY;
        private CharSequence acceptEncoding = GrpcCompression.ACCEPT_ENCODING;
        private CharSequence userAgent = GrpcHeaders.USER_AGENT_VALUE;
        private Metadata metadata = Metadata.EMPTY;

        private Builder(String fullMethodName) {
            this.fullMethodName = fullMethodName;
        }

        /** {@code :scheme}: {@code http} (the default) or {@code https}. */
        public Builder scheme(CharSequence scheme) {
            this.scheme = requireNonNull(scheme, "scheme");
            return this;
        }

        /** {@code :authority}, {@code host:port}; omitted when never set. */
        public Builder authority(CharSequence authority) {
            this.authority = requireNonNull(authority, "authority");
            return this;
        }

        /**
         * The timeout to send in {@code grpc-timeout}; none by default.
         *
         * @throws IllegalArgumentException when negative (fail such a call locally)
         */
        public Builder timeoutNanos(long timeoutNanos) {
            if (timeoutNanos < 0) {
                throw new IllegalArgumentException("timeoutNanos: " + timeoutNanos + " (expected: >= 0)");
            }
            this.timeoutNanos = timeoutNanos;
            return this;
        }

        /** The compression of the request messages; {@code grpc-encoding} is sent unless identity. */
        public Builder encoding(GrpcCompression encoding) {
            this.encoding = requireNonNull(encoding, "encoding");
            return this;
        }

        /** {@code grpc-accept-encoding}; {@link GrpcCompression#ACCEPT_ENCODING} by default, {@code null} omits it. */
        public Builder acceptEncoding(CharSequence acceptEncoding) {
            this.acceptEncoding = acceptEncoding;
            return this;
        }

        /** {@code user-agent}; {@link GrpcHeaders#USER_AGENT_VALUE} by default, {@code null} omits it. */
        public Builder userAgent(CharSequence userAgent) {
            this.userAgent = userAgent;
            return this;
        }

        /** The custom metadata (see {@link GrpcMetadata}). */
        public Builder metadata(Metadata metadata) {
            this.metadata = requireNonNull(metadata, "metadata");
            return this;
        }

        /**
         * New headers (validating, so Netty rejects illegal names).
         *
         * @throws IllegalArgumentException when the metadata cannot be sent (see {@link GrpcMetadata#toHeaders})
         */
        public Http2Headers build() {
            Http2Headers h = new DefaultHttp2Headers(true, 10 + metadata.transientValues().size()
                                                            + metadata.persistentValues().size());
            h.method(GrpcHeaders.METHOD_POST);
            h.scheme(scheme);
            h.path(AsciiString.of("/" + fullMethodName));
            if (authority != null) {
                h.authority(authority);
            }
            h.set(GrpcHeaders.TE, GrpcHeaders.TE_TRAILERS);
            if (timeoutNanos != GrpcRequest.NO_TIMEOUT) {
                h.set(GrpcHeaders.GRPC_TIMEOUT, GrpcTimeout.encode(timeoutNanos));
            }
            h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.CONTENT_TYPE_GRPC);
            if (encoding != GrpcCompression.IDENTITY) {
                h.set(GrpcHeaders.GRPC_ENCODING, encoding.asciiName());
            }
            if (acceptEncoding != null) {
                h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, acceptEncoding);
            }
            if (userAgent != null) {
                h.set(GrpcHeaders.USER_AGENT, userAgent);
            }
            GrpcMetadata.toHeaders(metadata, h);
            return h;
        }
    }

    // ---------------------------------------------------------------- server

    /** {@link #parse(Http2Headers, boolean)} requiring {@code te: trailers}. */
    public static GrpcRequest parse(Http2Headers headers) {
        return parse(headers, true);
    }

    /**
     * Checks request headers and reads the call from them.
     *
     * @param requireTeTrailers whether a missing or different {@code te} is rejected (see the class
     *                          comment)
     * @throws GrpcRequestException when the request is rejected; it says how to answer (see the table
     *                              in the class comment)
     */
    public static GrpcRequest parse(Http2Headers headers, boolean requireTeTrailers) {
        requireNonNull(headers, "headers");
        CharSequence path = headers.path();
        if (path == null || path.length() == 0) {
            throw new GrpcRequestException(404, Status.of(StatusCode.UNIMPLEMENTED, "Expected path but is missing"),
                                           false);
        }
        if (path.charAt(0) != '/') {
            throw new GrpcRequestException(404, Status.of(StatusCode.UNIMPLEMENTED,
                    "Expected path to start with /: " + path), false);
        }
        CharSequence contentType = headers.get(GrpcHeaders.CONTENT_TYPE);
        if (contentType == null) {
            throw new GrpcRequestException(415, Status.of(StatusCode.INTERNAL,
                    "Content-Type is missing from the request"), false);
        }
        if (!GrpcHeaders.isGrpcContentType(contentType)) {
            throw new GrpcRequestException(415, Status.of(StatusCode.INTERNAL,
                    "Content-Type '" + contentType + "' is not supported"), false);
        }
        CharSequence method = headers.method();
        if (method == null || !GrpcHeaders.METHOD_POST.contentEquals(method)) {
            throw new GrpcRequestException(405, Status.of(StatusCode.INTERNAL,
                    "Method '" + method + "' is not supported"), false);
        }
        if (requireTeTrailers) {
            CharSequence te = headers.get(GrpcHeaders.TE);
            if (te == null || !GrpcHeaders.TE_TRAILERS.contentEqualsIgnoreCase(te.toString().trim())) {
                throw new GrpcRequestException(200, Status.of(StatusCode.INTERNAL, "Expected header TE: trailers, but "
                        + (te == null ? "<missing>" : te) + " is received. Some intermediate proxy may not support trailers"),
                        false);
            }
        }
        String fullMethodName;
        try {
            fullMethodName = methodFromPath(path);
        } catch (StatusException e) {
            throw new GrpcRequestException(200, e.status(), false);
        }
        long timeoutNanos = GrpcRequest.NO_TIMEOUT;
        CharSequence timeout = headers.get(GrpcHeaders.GRPC_TIMEOUT);
        if (timeout != null) {
            try {
                timeoutNanos = GrpcTimeout.decodeNanos(timeout);
            } catch (IllegalArgumentException e) {
                throw new GrpcRequestException(400, Status.of(StatusCode.INTERNAL, "malformed grpc-timeout: "
                        + e.getMessage()), false);
            }
        }
        CharSequence encodingName = headers.get(GrpcHeaders.GRPC_ENCODING);
        GrpcCompression encoding = GrpcCompression.forName(encodingName);
        if (encoding == null) {
            throw new GrpcRequestException(200, Status.of(StatusCode.UNIMPLEMENTED,
                    "Unsupported grpc-encoding '" + encodingName + "' (supported: identity, "
                            + GrpcCompression.ACCEPT_ENCODING + ')'), true);
        }
        Metadata metadata;
        try {
            metadata = GrpcMetadata.fromHeaders(headers);
        } catch (StatusException e) {
            throw new GrpcRequestException(400, e.status(), false);
        }
        CharSequence authority = headers.authority();
        if (authority == null) {
            authority = headers.get("host");
        }
        return new GrpcRequest(fullMethodName, toStringOrNull(authority), timeoutNanos, encoding,
                               toStringOrNull(headers.get(GrpcHeaders.GRPC_ACCEPT_ENCODING)),
                               toStringOrNull(headers.get(GrpcHeaders.USER_AGENT)), metadata);
    }

    /**
     * The method a {@code :path} names: {@code /package.Service/Method} → {@code package.Service/Method}.
     *
     * @throws StatusException {@code UNIMPLEMENTED} when the path is not {@code /service/method} with
     *                         both parts non-empty (a query string counts as malformed)
     */
    public static String methodFromPath(CharSequence path) {
        requireNonNull(path, "path");
        int n = path.length();
        int slash = -1;
        boolean ok = n > 0 && path.charAt(0) == '/';
        for (int i = 1; ok && i < n; i++) {
            char c = path.charAt(i);
            if (c == '/') {
                slash = i;
            }
            ok = c > 0x20 && c < 0x7F && c != '?' && c != '#';
        }
        if (!ok || slash <= 1 || slash == n - 1) {
            throw new StatusException(StatusCode.UNIMPLEMENTED, "Malformed method name in :path '" + path
                    + "' (expected: /package.Service/Method)");
        }
        return path.subSequence(1, n).toString();
    }

    private static String toStringOrNull(CharSequence s) {
        return s == null ? null : s.toString();
    }
}
