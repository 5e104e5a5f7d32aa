/**
 * Kitex's Protobuf payload codec as it travels inside a TTHeader frame:
 * {@link io.skein.protocols.kitex.KitexProtobuf} writes and parses the envelope (framed length, magic
 * and message type, method name, sequence id), {@link io.skein.protocols.kitex.KitexError} the
 * {@code ErrorProto} body of an exception, with its mapping to Skein status codes, and
 * {@link io.skein.protocols.kitex.KitexBizStatus} Kitex's business status errors (the {@code biz-*}
 * TTHeader keys and their {@code biz-extra} JSON).
 */
package io.skein.protocols.kitex;
