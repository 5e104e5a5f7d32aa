/**
 * CloudWeGo's TTHeader transport framing: {@link io.skein.protocols.ttheader.TTHeader} holds the
 * constants and the allocation-free primitives that write and parse frames in place,
 * {@link io.skein.protocols.ttheader.IntKey} and {@link io.skein.protocols.ttheader.StrKey} the keys
 * Kitex defines, and {@link io.skein.protocols.ttheader.TTHeaderCodec} encodes and decodes whole
 * {@link io.skein.protocols.ttheader.TTHeaderFrame}s. {@code docs/protocol.md} documents every byte.
 */
package io.skein.protocols.ttheader;
