package io.skein.protocols.ttheader;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Encodes and decodes whole {@link TTHeaderFrame}s. */
public final class TTHeaderCodec {

    private TTHeaderCodec() {
    }

    /**
     * Writes {@code frame} to {@code out}: the ACL token section (when {@code strInfo} holds
     * {@link StrKey#GDPR_TOKEN}), then the string and int sections in map order, as Kitex does. Does not
     * release the frame. On failure nothing is left written.
     */
    public static void encode(TTHeaderFrame frame, ByteBuf out) {
        requireNonNull(frame, "frame");
        requireNonNull(out, "out");
        int start = out.writerIndex();
        try {
            TTHeader.writeFixedHeader(out, frame.flags(), frame.seqId(), frame.protocolId());
            Map<String, String> strInfo = frame.strInfo();
            String acl = strInfo.get(StrKey.GDPR_TOKEN);
            int strCount = strInfo.size();
            if (acl != null) {
                out.writeByte(TTHeader.INFO_ACL_TOKEN);
                TTHeader.writeString16(out, acl);
                strCount--;
            }
            if (strCount > 0) {
                TTHeader.writeInfoHeader(out, TTHeader.INFO_STRKV, strCount);
                for (Map.Entry<String, String> e : strInfo.entrySet()) {
                    if (acl == null || !StrKey.GDPR_TOKEN.equals(e.getKey())) {
                        TTHeader.writeStrKv(out, e.getKey(), e.getValue());
                    }
                }
            }
            if (!frame.intInfo().isEmpty()) {
                TTHeader.writeInfoHeader(out, TTHeader.INFO_INTKV, frame.intInfo().size());
                for (Map.Entry<Integer, String> e : frame.intInfo().entrySet()) {
                    TTHeader.writeIntKv(out, e.getKey(), e.getValue());
                }
            }
            TTHeader.finishHeader(out, start);
            ByteBuf payload = frame.payload();
            out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            TTHeader.finishFrame(out, start);
        } catch (RuntimeException e) {
            out.writerIndex(start);
            throw e;
        }
    }

    /**
     * Reads one frame from the readable bytes of {@code in}. Returns {@code null}, consuming nothing,
     * when the frame is not complete yet. The returned frame's payload is a retained slice of {@code in}.
     *
     * @param maxFrameSize the largest frame accepted, length field included
     * @throws TooLongFrameException when the frame is larger than {@code maxFrameSize}
     * @throws CorruptedFrameException when the frame is malformed (nothing is consumed)
     */
    public static TTHeaderFrame decode(ByteBuf in, int maxFrameSize) {
        requireNonNull(in, "in");
        int size = TTHeader.frameSize(in, maxFrameSize);
        if (size < 0) {
            return null;
        }
        int start = in.readerIndex();
        int end = start + size;
        Map<Integer, String> intInfo = new LinkedHashMap<>();
        Map<String, String> strInfo = new LinkedHashMap<>();
        int payloadStart = TTHeader.parseHeader(in, start, end, new TTHeader.InfoVisitor() {
            @Override
            public void intKv(ByteBuf buf, int key, int valueIndex, int valueLength) {
                intInfo.put(key, buf.toString(valueIndex, valueLength, StandardCharsets.UTF_8));
            }

            @Override
            public void strKv(ByteBuf buf, int keyIndex, int keyLength, int valueIndex, int valueLength) {
                strInfo.put(buf.toString(keyIndex, keyLength, StandardCharsets.UTF_8),
                            buf.toString(valueIndex, valueLength, StandardCharsets.UTF_8));
            }

            @Override
            public void aclToken(ByteBuf buf, int index, int length) {
                strInfo.put(StrKey.GDPR_TOKEN, buf.toString(index, length, StandardCharsets.UTF_8));
            }
        });
        TTHeaderFrame frame = new TTHeaderFrame(TTHeader.flags(in, start), TTHeader.seqId(in, start),
                                                TTHeader.protocolId(in, start), intInfo, strInfo,
                                                in.retainedSlice(payloadStart, end - payloadStart));
        in.readerIndex(end);
        return frame;
    }
}
