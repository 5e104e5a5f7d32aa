package io.skein.shm.ipc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Byte-stream listeners over a Shmipc session, as shmipc-go's streams are used by its examples: each
 * message is a 4-byte big-endian length and that many bytes.
 */
final class StreamListeners {

    private StreamListeners() {
    }

    /** Echoes every flush back on its stream (what {@code shmipc-peer server} does per message). */
    static final class Echo implements ShmipcListener {
        final AtomicInteger fallbacks = new AtomicInteger();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        volatile ShmipcSession session;

        @Override
        public void onReady(ShmipcSession s) {
            session = s;
        }

        @Override
        public void onData(int streamId, ByteBuf data, boolean fallback) {
            if (fallback) {
                fallbacks.incrementAndGet();
            }
            session.sendCopy(streamId, Unpooled.copiedBuffer(data));
            session.flush();
        }

        @Override
        public void onClosed(String reason) {
            closed.complete(reason);
        }
    }

    /** Collects what arrives per stream and completes a message future per stream once a whole message is there. */
    static final class Collector implements ShmipcListener {
        final Map<Integer, ByteArrayOutputStream> received = new ConcurrentHashMap<>();
        final Map<Integer, CompletableFuture<byte[]>> messages = new ConcurrentHashMap<>();
        final CompletableFuture<ShmipcSession> ready = new CompletableFuture<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        final AtomicInteger fallbacks = new AtomicInteger();

        CompletableFuture<byte[]> expect(int streamId) {
            return messages.computeIfAbsent(streamId, id -> new CompletableFuture<>());
        }

        @Override
        public void onReady(ShmipcSession s) {
            ready.complete(s);
        }

        @Override
        public void onData(int streamId, ByteBuf data, boolean fallback) {
            if (fallback) {
                fallbacks.incrementAndGet();
            }
            ByteArrayOutputStream out = received.computeIfAbsent(streamId, id -> new ByteArrayOutputStream());
            out.writeBytes(ByteBufUtil.getBytes(data));
            byte[] all = out.toByteArray();
            if (all.length >= 4) {
                int length = ((all[0] & 0xFF) << 24) | ((all[1] & 0xFF) << 16) | ((all[2] & 0xFF) << 8) | (all[3] & 0xFF);
                if (all.length >= 4 + length) {
                    byte[] body = java.util.Arrays.copyOfRange(all, 4, 4 + length);
                    out.reset();
                    out.write(all, 4 + length, all.length - 4 - length);
                    expect(streamId).complete(body);
                }
            }
        }

        @Override
        public void onClosed(String reason) {
            closed.complete(reason);
            ready.completeExceptionally(new IllegalStateException("closed: " + reason));
            messages.values().forEach(f -> f.completeExceptionally(new IllegalStateException("closed: " + reason)));
        }
    }

    /** A message as shmipc-peer frames it: length, then {@code size} pattern bytes (Go's {@code pattern(size, seed)}). */
    static ByteBuf message(int size, int seed) {
        ByteBuf b = Unpooled.buffer(4 + size);
        b.writeInt(size);
        for (int i = 0; i < size; i++) {
            b.writeByte(i * 31 + seed);
        }
        return b;
    }

    static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }
}
