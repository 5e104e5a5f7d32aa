/**
 * gRPC over HTTP/2 as pure codecs over Netty buffers and {@link io.netty.handler.codec.http2.Http2Headers}
 * (no channels, no streams): message framing ({@link io.skein.protocols.grpc.GrpcMessageFramer},
 * {@link io.skein.protocols.grpc.GrpcMessageDeframer}, {@link io.skein.protocols.grpc.GrpcCompression}),
 * {@code grpc-timeout} ({@link io.skein.protocols.grpc.GrpcTimeout}), status in trailers and the HTTP
 * status mapping ({@link io.skein.protocols.grpc.GrpcStatusCodec}), custom metadata
 * ({@link io.skein.protocols.grpc.GrpcMetadata}) and the request and response headers
 * ({@link io.skein.protocols.grpc.GrpcRequestHeaders} with {@link io.skein.protocols.grpc.GrpcRequest}
 * and {@link io.skein.protocols.grpc.GrpcRequestException}, {@link io.skein.protocols.grpc.GrpcHeaders}).
 *
 * <p>Buffer ownership: {@link io.skein.protocols.grpc.GrpcMessageFramer#frame} and
 * {@link io.skein.protocols.grpc.GrpcMessageDeframer#feed} take ownership of their argument (release it,
 * also on failure); every buffer returned belongs to the caller.
 * The wire rules are gRPC's PROTOCOL-HTTP2; Skein's mapping choices are documented in
 * {@code docs/protocol.md}, section "gRPC over HTTP/2".
 */
package io.skein.protocols.grpc;
