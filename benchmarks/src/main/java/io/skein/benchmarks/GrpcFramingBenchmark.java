package io.skein.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcMessageDeframer;
import io.skein.protocols.grpc.GrpcMessageFramer;
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
 * gRPC's length-prefixed message framing ({@link GrpcMessageFramer}) and deframing
 * ({@link GrpcMessageDeframer}) of an Echo request with a 1 KB payload, uncompressed: one message per DATA
 * frame, and (deframeSplit) one message arriving in two DATA frames cut inside the payload. One deframer
 * serves the whole trial, as one does a long-lived stream. Every buffer is released in the operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GrpcFramingBenchmark {

    @Param("1024")
    int payloadBytes;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private GrpcMessageFramer framer;
    private GrpcMessageDeframer deframer;
    private ByteBuf message;
    private ByteBuf framed;
    private int cut;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = BenchData.echoRequest(payloadBytes).toByteArray();
        message = alloc.buffer(bytes.length).writeBytes(bytes);
        framer = new GrpcMessageFramer(alloc);
        framed = framer.frame(message.retainedDuplicate());
        cut = framed.readableBytes() / 2;
        deframer = new GrpcMessageDeframer(alloc, GrpcCompression.IDENTITY, GrpcMessageDeframer.DEFAULT_MAX_MESSAGE_SIZE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        deframer.close();
        framed.release();
        message.release();
    }

    @Benchmark
    public int frame() {
        ByteBuf out = framer.frame(message.retainedDuplicate());
        int n = out.readableBytes();
        out.release();
        return n;
    }

    @Benchmark
    public int deframe() {
        deframer.feed(framed.retainedDuplicate());
        ByteBuf m = deframer.poll();
        int n = m.readableBytes();
        m.release();
        return n;
    }

    @Benchmark
    public int deframeSplit() {
        int start = framed.readerIndex();
        deframer.feed(framed.retainedSlice(start, cut));
        deframer.feed(framed.retainedSlice(start + cut, framed.readableBytes() - cut));
        ByteBuf m = deframer.poll();
        int n = m.readableBytes();
        m.release();
        return n;
    }
}
