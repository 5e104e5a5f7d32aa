package io.skein.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** grpc-java (1.85.1, test scope) as the reference gRPC peer: channels, bounded waits, raw methods. */
final class GrpcJava {

    /** The bound for anything that should finish promptly. */
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private GrpcJava() {
    }

    /** A plaintext (prior knowledge) grpc-java channel to {@code address}. */
    static ManagedChannel channel(InetSocketAddress address) {
        return NettyChannelBuilder.forAddress(address.getHostString(), address.getPort())
                .usePlaintext()
                .build();
    }

    /** Shuts a channel down and waits (bounded); null-safe. */
    static void close(ManagedChannel channel) {
        if (channel == null) {
            return;
        }
        channel.shutdownNow();
        try {
            if (!channel.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("grpc-java channel did not terminate within " + TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Shuts a grpc-java server down and waits (bounded); null-safe. */
    static void close(Server server) {
        if (server == null) {
            return;
        }
        server.shutdownNow();
        try {
            if (!server.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("grpc-java server did not terminate within " + TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The gRPC status a grpc-java call failed with; fails the test when it did not fail so. */
    static Status status(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusRuntimeException sre) {
                return sre.getStatus();
            }
            if (c instanceof io.grpc.StatusException se) {
                return se.getStatus();
            }
        }
        throw new AssertionError("expected a gRPC status, got " + t, t);
    }

    /** Asserts that {@code call} fails with exactly {@code code}; returns the status. */
    static Status assertStatus(Status.Code code, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            Status s = status(e);
            assertEquals(code, s.getCode(), () -> "wrong status: " + s + " (" + s.getDescription() + ")");
            return s;
        }
        throw new AssertionError("expected the call to fail with " + code + ", but it succeeded");
    }

    /** The value of {@code f} within {@link #TIMEOUT}. */
    static <T> T await(CompletableFuture<T> f) {
        return await(f, TIMEOUT);
    }

    static <T> T await(CompletableFuture<T> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("call failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The failure of {@code f} within {@link #TIMEOUT}, as a gRPC status. */
    static Status awaitFailure(CompletableFuture<?> f) {
        try {
            Object v = f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected the call to fail, it returned " + v);
        } catch (ExecutionException e) {
            return status(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("call neither failed nor succeeded within " + TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A response observer that collects every message and completes with all of them (or the error). */
    static final class Collector<T> implements StreamObserver<T> {
        final List<T> values = new CopyOnWriteArrayList<>();
        final CompletableFuture<List<T>> done = new CompletableFuture<>();

        @Override
        public void onNext(T value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(List.copyOf(values));
        }
    }

    /** Raw bytes in and out: method descriptors for methods no stub knows. */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** A unary method descriptor for {@code fullName} ({@code package.Service/Method}) over raw bytes. */
    static MethodDescriptor<byte[], byte[]> rawUnary(String fullName) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullName)
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
    }

    /** {@code supplier}'s description, for assertion messages. */
    static Supplier<String> describe(Status s) {
        return () -> s.getCode() + ": " + s.getDescription();
    }
}
