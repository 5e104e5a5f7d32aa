/**
 * Skein's native protocol: the {@link io.skein.protocols.frame.SkeinFrame} kinds, their mapping onto
 * TTHeader frames ({@link io.skein.protocols.frame.SkeinFrameCodec}, keys in
 * {@link io.skein.protocols.frame.SkeinKeys}) and the Netty handlers that put them on a channel
 * ({@link io.skein.protocols.frame.SkeinFrameDecoder}, {@link io.skein.protocols.frame.SkeinFrameEncoder}).
 */
package io.skein.protocols.frame;
