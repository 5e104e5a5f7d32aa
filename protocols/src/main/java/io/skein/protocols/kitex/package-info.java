/**
 * Kitex's Protobuf payload codec as it travels inside a TTHeader frame:
 * {@link io.skein.protocols.kitex.KitexProtobuf} writes and parses the envelope (framed length, magic
 * and message type, method name, sequence id) and {@link io.skein.protocols.kitex.KitexError} the
 * {@code ErrorProto} body of an exception, with its mapping to Skein status codes.
 */
package io.skein.protocols.kitex;
