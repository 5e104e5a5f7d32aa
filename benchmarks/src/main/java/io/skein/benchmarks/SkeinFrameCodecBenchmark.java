package io.skein.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.skein.protocols.Metadata;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.protocols.frame.SkeinFrame.StreamMessage;
import io.skein.protocols.frame.SkeinFrame.UnaryRequest;
import io.skein.protocols.frame.SkeinFrameCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Skein's native framing (TTHeader + Kitex Protobuf envelope, {@link SkeinFrameCodec}) of a unary request
 * and of a stream message carrying an Echo request with a 1 KB payload: encode into a pooled buffer, and
 * decode from one (payloads are retained slices). Every buffer is released in the operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SkeinFrameCodecBenchmark {

    @Param("1024")
    int payloadBytes;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ByteBuf payload;
    private UnaryRequest request;
    private StreamMessage message;
    private ByteBuf encodedRequest;
    private ByteBuf encodedMessage;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = BenchData.echoRequest(payloadBytes).toByteArray();
        payload = alloc.buffer(bytes.length).writeBytes(bytes);
        request = new UnaryRequest(7, BenchData.SAY, Metadata.EMPTY, 1000, payload);
        message = new StreamMessage(9, payload);
        encodedRequest = encode(request);
        encodedMessage = encode(message);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encodedRequest.release();
        encodedMessage.release();
        payload.release();
    }

    private ByteBuf encode(SkeinFrame frame) {
        ByteBuf out = alloc.buffer(SkeinFrameCodec.estimateSize(frame));
        SkeinFrameCodec.encode(frame, out);
        return out;
    }

    private static int decode(ByteBuf encoded) {
        SkeinFrame frame = SkeinFrameCodec.decode(encoded, encoded.readerIndex(), encoded.writerIndex());
        if (frame instanceof UnaryRequest r) {
            int n = r.payload().readableBytes() + r.method().length();
            r.release();
            return n;
        }
        StreamMessage m = (StreamMessage) frame;
        int n = m.payload().readableBytes();
        m.release();
        return n;
    }

    @Benchmark
    public int encodeUnaryRequest() {
        ByteBuf out = encode(request);
        int n = out.readableBytes();
        out.release();
        return n;
    }

    @Benchmark
    public int decodeUnaryRequest() {
        return decode(encodedRequest);
    }

    @Benchmark
    public int encodeStreamMessage() {
        ByteBuf out = encode(message);
        int n = out.readableBytes();
        out.release();
        return n;
    }

    @Benchmark
    public int decodeStreamMessage() {
        return decode(encodedMessage);
    }
}
