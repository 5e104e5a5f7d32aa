/**
 * Skein's native protocol behind the transport seam: TTHeader frames carrying Kitex Protobuf unary
 * calls and Skein stream frames ({@link io.skein.protocols.frame.SkeinFrame}, which never leaves this
 * package). The handlers translate frames into {@link io.skein.transport.internal.call.StreamEvent}s
 * and back; {@link io.skein.transport.internal.nativeproto.KitexClientTransport} is the variant for
 * Kitex servers, which know unary TTHeader calls only. Not API.
 */
@InternalApi
package io.skein.transport.internal.nativeproto;

import org.apache.pekko.annotation.InternalApi;
