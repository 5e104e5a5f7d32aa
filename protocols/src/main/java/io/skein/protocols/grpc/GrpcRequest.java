package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;

/**
 * What a server reads from valid gRPC request headers ({@link GrpcRequestHeaders#parse}).
 *
 * @param fullMethodName the method, {@code package.Service/Method} (the {@code :path} without its
 *                       leading {@code /})
 * @param authority      {@code :authority} (or {@code host}), {@code null} when absent
 * @param timeoutNanos   the {@code grpc-timeout} in nanoseconds, or {@link #NO_TIMEOUT}
 * @param encoding       the compression of the client's messages ({@code grpc-encoding}); always one
 *                       Skein supports, since others are rejected
 * @param acceptEncoding the client's {@code grpc-accept-encoding} as sent, {@code null} when absent
 * @param userAgent      the client's {@code user-agent}, {@code null} when absent
 * @param metadata       the custom metadata (see {@link GrpcMetadata})
 */
public record GrpcRequest(String fullMethodName, String authority, long timeoutNanos, GrpcCompression encoding,
                          String acceptEncoding, String userAgent, Metadata metadata) {

    /** {@link #timeoutNanos()} when the request carried no {@code grpc-timeout}. */
    public static final long NO_TIMEOUT = -1;

    /** Checks the components. */
    public GrpcRequest {
        requireNonNull(fullMethodName, "fullMethodName");
        requireNonNull(encoding, "encoding");
        requireNonNull(metadata, "metadata");
    }

    /** Whether the request carried a {@code grpc-timeout}. */
    public boolean hasTimeout() {
        return timeoutNanos != NO_TIMEOUT;
    }

    /** The service part of {@link #fullMethodName()}: {@code package.Service}. */
    public String serviceName() {
        return fullMethodName.substring(0, fullMethodName.lastIndexOf('/'));
    }

    /** The method part of {@link #fullMethodName()}: {@code Method}. */
    public String methodName() {
        return fullMethodName.substring(fullMethodName.lastIndexOf('/') + 1);
    }

    /**
     * Whether the client accepts responses compressed with {@code c}: always for identity, otherwise
     * when {@code grpc-accept-encoding} lists it.
     */
    public boolean accepts(GrpcCompression c) {
        requireNonNull(c, "c");
        if (c == GrpcCompression.IDENTITY) {
            return true;
        }
        if (acceptEncoding == null) {
            return false;
        }
        for (String s : acceptEncoding.split(",")) {
            if (s.trim().equalsIgnoreCase(c.encodingName())) {
                return true;
            }
        }
        return false;
    }
}
