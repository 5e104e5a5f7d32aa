/**
 * gRPC over HTTP/2 (cleartext, prior knowledge) behind the transport seam, on Netty's HTTP/2 codec
 * with one child channel per call, read only as the call's consumer demands so HTTP/2 windows open
 * with demand. The stream handlers turn HEADERS, DATA and RST_STREAM into
 * {@link io.skein.transport.internal.call.StreamEvent}s and the call engine's answers back into frames.
 * Not API.
 */
@InternalApi
package io.skein.transport.internal.grpc;

import org.apache.pekko.annotation.InternalApi;
