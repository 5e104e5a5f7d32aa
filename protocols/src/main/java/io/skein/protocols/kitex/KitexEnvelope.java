package io.skein.protocols.kitex;

/**
 * A parsed {@link KitexProtobuf} envelope: the message type, the method name, the sequence id and
 * where the body lies in the buffer that was parsed.
 */
public record KitexEnvelope(int msgType, String method, int seqId, int bodyIndex, int bodyLength) {
}
