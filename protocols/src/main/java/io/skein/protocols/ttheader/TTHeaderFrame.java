package io.skein.protocols.ttheader;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One TTHeader frame as plain values: flags, sequence id, protocol id, the int and string info
 * entries and the payload. Its reference count is the payload's: whoever holds the frame releases it.
 * An ACL token section appears in {@code strInfo} under {@link StrKey#GDPR_TOKEN}, as Kitex reads it.
 *
 * <p>For the general case and for tests; the Skein hot path ({@code SkeinFrameCodec}) writes and parses
 * the buffer directly with {@link TTHeader} and never builds these maps.
 */
public record TTHeaderFrame(int flags, int seqId, int protocolId, Map<Integer, String> intInfo,
                            Map<String, String> strInfo, ByteBuf payload) implements ReferenceCounted {

    /** Copies the maps (keeping their order) and checks the ranges. */
    public TTHeaderFrame {
        requireNonNull(intInfo, "intInfo");
        requireNonNull(strInfo, "strInfo");
        requireNonNull(payload, "payload");
        if ((flags & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("flags must fit in 16 bits: " + flags);
        }
        if ((protocolId & ~0xFF) != 0) {
            throw new IllegalArgumentException("protocolId must fit in 8 bits: " + protocolId);
        }
        for (Integer key : intInfo.keySet()) {
            if ((key & ~0xFFFF) != 0) {
                throw new IllegalArgumentException("int info key must fit in 16 bits: " + key);
            }
        }
        intInfo = intInfo.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(intInfo));
        strInfo = strInfo.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(strInfo));
    }

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public TTHeaderFrame retain() {
        payload.retain();
        return this;
    }

    @Override
    public TTHeaderFrame retain(int increment) {
        payload.retain(increment);
        return this;
    }

    @Override
    public TTHeaderFrame touch() {
        payload.touch();
        return this;
    }

    @Override
    public TTHeaderFrame touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int decrement) {
        return payload.release(decrement);
    }
}
