package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * gRPC's HTTP/2 header names and values, and the response side: response headers, trailers,
 * trailers-only responses, and the client's check of response headers. The request side is
 * {@link GrpcRequestHeaders}.
 */
public final class GrpcHeaders {

    /** {@code content-type}. */
    public static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    /** {@code te}. */
    public static final AsciiString TE = AsciiString.cached("te");
    /** {@code user-agent}. */
    public static final AsciiString USER_AGENT = AsciiString.cached("user-agent");
    /** {@code grpc-timeout}: see {@link GrpcTimeout}. */
    public static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    /** {@code grpc-encoding}: the compression of the sender's messages, see {@link GrpcCompression}. */
    public static final AsciiString GRPC_ENCODING = AsciiString.cached("grpc-encoding");
    /** {@code grpc-accept-encoding}: the compressions the sender can decode. */
    public static final AsciiString GRPC_ACCEPT_ENCODING = AsciiString.cached("grpc-accept-encoding");
    /** {@code grpc-status}: the decimal status code, in trailers. */
    public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    /** {@code grpc-message}: the percent-encoded status message, in trailers. */
    public static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    /** {@code grpc-status-details-bin}: a serialized {@code google.rpc.Status}; Skein neither sends nor reads it. */
    public static final AsciiString GRPC_STATUS_DETAILS_BIN = AsciiString.cached("grpc-status-details-bin");

    /** {@code application/grpc}, the content type Skein sends (protobuf is implied). */
    public static final AsciiString CONTENT_TYPE_GRPC = AsciiString.cached("application/grpc");
    /** {@code trailers}, the only value of {@code te} gRPC uses. */
    public static final AsciiString TE_TRAILERS = AsciiString.cached("trailers");
    /** {@code POST}, the only method gRPC uses. */
    public static final AsciiString METHOD_POST = AsciiString.cached("POST");
    /** {@code 200}. */
    public static final AsciiString STATUS_OK = AsciiString.cached("200");
    /** The content type of the plain-text body of an HTTP-level error response. */
    public static final AsciiString CONTENT_TYPE_TEXT = AsciiString.cached("text/plain; charset=utf-8");

    /** Skein's version, from the build ({@code dev} when run outside a built jar). */
    public static final String VERSION = readVersion();
    /** The {@code user-agent} Skein sends: {@code skein/<version>}. */
    public static final AsciiString USER_AGENT_VALUE = AsciiString.cached("skein/" + VERSION);

    private static final AsciiString[] STATUS_VALUES = new AsciiString[StatusCode.values().length];

    static {
        for (StatusCode c : StatusCode.values()) {
            STATUS_VALUES[c.ordinal()] = AsciiString.cached(Integer.toString(c.value()));
        }
    }

    private GrpcHeaders() {
    }

    /**
     * Whether a {@code content-type} is gRPC's: {@code application/grpc}, optionally followed by
     * {@code +subtype} ({@code +proto}, {@code +json}) or {@code ;parameters}; case-insensitive, as
     * grpc-java checks it.
     */
    public static boolean isGrpcContentType(CharSequence contentType) {
        if (contentType == null) {
            return false;
        }
        int n = CONTENT_TYPE_GRPC.length();
        if (contentType.length() < n
                || !AsciiString.regionMatches(contentType, true, 0, CONTENT_TYPE_GRPC, 0, n)) {
            return false;
        }
        if (contentType.length() == n) {
            return true;
        }
        char next = contentType.charAt(n);
        return next == '+' || next == ';';
    }

    /** The {@code grpc-status} value of a code. */
    public static AsciiString statusValue(StatusCode code) {
        return STATUS_VALUES[requireNonNull(code, "code").ordinal()];
    }

    /**
     * The headers a server starts a response with: {@code :status 200}, {@code content-type
     * application/grpc}, {@code grpc-encoding} when {@code encoding} compresses,
     * {@code grpc-accept-encoding}, then {@code metadata} (see {@link GrpcMetadata#toHeaders}).
     *
     * @throws IllegalArgumentException when the metadata cannot be sent (see {@link GrpcMetadata#toHeaders})
     */
    public static Http2Headers responseHeaders(GrpcCompression encoding, Metadata metadata) {
        requireNonNull(encoding, "encoding");
        requireNonNull(metadata, "metadata");
        Http2Headers h = new DefaultHttp2Headers(true, 4 + metadata.transientValues().size()
                                                       + metadata.persistentValues().size());
        h.status(STATUS_OK);
        h.set(CONTENT_TYPE, CONTENT_TYPE_GRPC);
        if (encoding != GrpcCompression.IDENTITY) {
            h.set(GRPC_ENCODING, encoding.asciiName());
        }
        h.set(GRPC_ACCEPT_ENCODING, GrpcCompression.ACCEPT_ENCODING);
        GrpcMetadata.toHeaders(metadata, h);
        return h;
    }

    /**
     * The trailers that end a response: {@code grpc-status}, {@code grpc-message} (see
     * {@link GrpcStatusCodec#toTrailers}) and {@code metadata}.
     *
     * @throws IllegalArgumentException when the metadata cannot be sent
     */
    public static Http2Headers trailers(Status status, Metadata metadata) {
        requireNonNull(status, "status");
        requireNonNull(metadata, "metadata");
        Http2Headers h = new DefaultHttp2Headers(true, 2 + metadata.transientValues().size()
                                                       + metadata.persistentValues().size());
        GrpcStatusCodec.toTrailers(status, h);
        GrpcMetadata.toHeaders(metadata, h);
        return h;
    }

    /**
     * A trailers-only response (one HEADERS frame with END_STREAM, for a call that fails before any
     * message): {@code :status 200}, {@code content-type application/grpc}, {@code grpc-status},
     * {@code grpc-message} and {@code metadata}.
     *
     * @throws IllegalArgumentException when the metadata cannot be sent
     */
    public static Http2Headers trailersOnly(Status status, Metadata metadata) {
        Http2Headers h = trailers(status, metadata);
        h.status(STATUS_OK);
        h.set(CONTENT_TYPE, CONTENT_TYPE_GRPC);
        return h;
    }

    /**
     * The client's check of the first HEADERS of a response. Returns {@link Status#OK} when they start
     * a gRPC response ({@code :status 200} and a gRPC content type); otherwise the status the call
     * fails with: the {@code grpc-status} when the headers carry one (a server's HTTP-level
     * rejection), else the mapping of the HTTP status ({@link GrpcStatusCodec#codeForHttpStatus}), or
     * {@code UNKNOWN} for a 200 with another content type, {@code INTERNAL} without {@code :status}.
     *
     * <p>Headers that end the stream form a trailers-only response: read those with
     * {@link GrpcStatusCodec#fromTrailers} once this check passed. Informational (1xx) headers are the
     * transport's to skip; this method treats them as any other non-200 status.
     */
    public static Status checkResponseHeaders(Http2Headers headers) {
        requireNonNull(headers, "headers");
        CharSequence http = headers.status();
        if (http == null) {
            return Status.of(StatusCode.INTERNAL, "missing :status in response headers");
        }
        if (!STATUS_OK.contentEquals(http)) {
            if (headers.contains(GRPC_STATUS)) {
                return GrpcStatusCodec.fromTrailers(headers);
            }
            return GrpcStatusCodec.fromHttpStatus(http);
        }
        CharSequence contentType = headers.get(CONTENT_TYPE);
        if (!isGrpcContentType(contentType)) {
            return Status.of(StatusCode.UNKNOWN, "HTTP status code 200 with invalid content-type '"
                    + contentType + '\'');
        }
        return Status.OK;
    }

    private static String readVersion() {
        try (InputStream in = GrpcHeaders.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "");
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "dev";
    }
}
