/**
 * gRPC over HTTP/2 (cleartext, prior knowledge) behind the transport seam, on Netty's HTTP/2 codec
 * with one child channel per call, read only as the call's consumer demands so HTTP/2 windows open
 * with demand. The stream handlers turn HEADERS, DATA and RST_STREAM into
 * {@link io.skein.transport.internal.call.StreamEvent}s and the call engine's answers back into frames.
 * HTTP/2 errors follow RFC 9113 (GOAWAY or RST_STREAM with their codes, malformed requests reset,
 * orderly close); docs/protocol.md, "HTTP/2 error handling", has the rules. Not API.
 */
@InternalApi
package io.skein.transport.internal.grpc;

import org.apache.pekko.annotation.InternalApi;
