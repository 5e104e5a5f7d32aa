package io.skein.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.MessageLite;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerStreamTracer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What grpc-java's API does not tell: whether a received message arrived compressed. A stream tracer
 * sees each inbound message's size on the wire (the body after its 5-byte prefix, compressed or not);
 * the message arrived compressed when that size differs from its serialized size. The interop payloads
 * are zeros, which gzip shrinks to a small fraction, so the two never meet by chance.
 *
 * <p>Client side: {@link #interceptor()} on a stub records the calls it makes. Server side:
 * {@link #SERVER} on a server builder records each call's messages in a {@code WireSizes} a service
 * finds with {@link #current()}: grpc-java runs a service's callbacks in the call's {@link Context}, and
 * reports a message to the tracer before it hands it to the service.
 */
final class WireSizes {

    private static final Context.Key<WireSizes> KEY = Context.key("skein-test-wire-sizes");

    /** Records every server call's inbound messages; add with {@code ServerBuilder.addStreamTracerFactory}. */
    static final ServerStreamTracer.Factory SERVER = new ServerStreamTracer.Factory() {
        @Override
        public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
            WireSizes sizes = new WireSizes();
            return new ServerStreamTracer() {
                @Override
                public Context filterContext(Context context) {
                    return context.withValue(KEY, sizes);
                }

                @Override
                public void inboundMessageRead(int seqNo, long optionalWireSize, long optionalUncompressedSize) {
                    sizes.wire.put(seqNo, optionalWireSize);
                }
            };
        }
    };

    private final Map<Integer, Long> wire = new ConcurrentHashMap<>();

    /** The sizes of the server call the current thread serves (see {@link #SERVER}). */
    static WireSizes current() {
        WireSizes sizes = KEY.get();
        assertNotNull(sizes, "no WireSizes in the call's context: add WireSizes.SERVER to the server");
        return sizes;
    }

    /** Whether the {@code seqNo}-th message received (from 0), which parsed as {@code message}, arrived compressed. */
    boolean compressed(int seqNo, MessageLite message) {
        Long size = wire.get(seqNo);
        assertNotNull(size, () -> "no message " + seqNo + " was received; seen: " + wire);
        return size != message.getSerializedSize();
    }

    /** Records the inbound messages of the calls a stub makes through it. */
    ClientInterceptor interceptor() {
        ClientStreamTracer.Factory factory = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                    @Override
                    public void inboundMessageRead(int seqNo, long optionalWireSize, long optionalUncompressedSize) {
                        wire.put(seqNo, optionalWireSize);
                    }
                };
            }
        };
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return next.newCall(method, options.withStreamTracerFactory(factory));
            }
        };
    }
}
