package io.skein.transport.testing;

import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallContext;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerMethodHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Builds {@link MethodRegistry}s of string methods from lambdas, implementing
 * {@link ServerMethodHandler} directly (no protobuf, no actors).
 *
 * <pre>{@code
 * MethodRegistry registry = TestServices.builder()
 *         .unary("test.Echo/Echo", (req, ctx) -> CompletableFuture.completedFuture(req))
 *         .bidi("test.Echo/Chat", (requests, ctx) -> requests)
 *         .build();
 * }</pre>
 */
public final class TestServices {

    /** Echo service names used by {@link #echo()}. */
    public static final String ECHO = "test.Echo/Echo";
    public static final String EXPAND = "test.Echo/Expand";
    public static final String COLLECT = "test.Echo/Collect";
    public static final String CHAT = "test.Echo/Chat";

    private TestServices() {
    }

    /** A unary handler. */
    @FunctionalInterface
    public interface Unary extends BiFunction<String, CallContext, CompletionStage<String>> {
    }

    /** A server-streaming handler: one request, a source of responses. */
    @FunctionalInterface
    public interface ServerStream extends BiFunction<String, CallContext, Source<String, ?>> {
    }

    /** A client-streaming or bidi handler: a source of requests to a source of responses. */
    @FunctionalInterface
    public interface Streams extends BiFunction<Source<String, NotUsed>, CallContext, Source<String, ?>> {
    }

    /** A string method descriptor. */
    public static MethodDescriptor<String, String> method(String fullName, CallKind kind) {
        return new MethodDescriptor<>(fullName, kind, StringMarshaller.INSTANCE, StringMarshaller.INSTANCE);
    }

    /** The status code carried by {@code t} or one of its causes; fails when there is none. */
    public static StatusCode codeOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusException se) {
                return se.code();
            }
        }
        throw new AssertionError("not a StatusException: " + t, t);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Echo: {@link #ECHO} answers its request; {@link #EXPAND} answers {@code "<req>-0" .. "<req>-2"};
     * {@link #COLLECT} answers the requests joined with {@code ","}; {@link #CHAT} echoes each request.
     */
    public static Builder echo() {
        return builder()
                .unary(ECHO, (req, ctx) -> CompletableFuture.completedFuture(req))
                .serverStream(EXPAND, (req, ctx) -> Source.range(0, 2).map(i -> req + "-" + i))
                .clientStream(COLLECT, (requests, ctx) -> requests.fold("", (acc, r) -> acc.isEmpty() ? r : acc + "," + r))
                .bidi(CHAT, (requests, ctx) -> requests);
    }

    /** Collects methods; {@link #build()} makes the registry. */
    public static final class Builder {
        private final List<ServerMethod<?, ?>> methods = new ArrayList<>();

        public Builder unary(String fullName, Unary handler) {
            return add(fullName, CallKind.UNARY, new ServerMethodHandler<>() {
                @Override
                public CompletionStage<String> unary(String request, CallContext context) {
                    return handler.apply(request, context);
                }

                @Override
                public Source<String, ?> streaming(Source<String, NotUsed> requests, CallContext context) {
                    throw new UnsupportedOperationException("unary method");
                }
            });
        }

        public Builder serverStream(String fullName, ServerStream handler) {
            return add(fullName, CallKind.SERVER_STREAMING, streaming((requests, ctx) ->
                    requests.take(1).flatMapConcat(req -> handler.apply(req, ctx))));
        }

        public Builder clientStream(String fullName, Streams handler) {
            return add(fullName, CallKind.CLIENT_STREAMING, streaming(handler));
        }

        public Builder bidi(String fullName, Streams handler) {
            return add(fullName, CallKind.BIDI_STREAMING, streaming(handler));
        }

        private static ServerMethodHandler<String, String> streaming(Streams handler) {
            return new ServerMethodHandler<>() {
                @Override
                public CompletionStage<String> unary(String request, CallContext context) {
                    throw new UnsupportedOperationException("streaming method");
                }

                @Override
                public Source<String, ?> streaming(Source<String, NotUsed> requests, CallContext context) {
                    return handler.apply(requests, context);
                }
            };
        }

        private Builder add(String fullName, CallKind kind, ServerMethodHandler<String, String> handler) {
            methods.add(new ServerMethod<>(method(fullName, kind), handler));
            return this;
        }

        public MethodRegistry build() {
            return MethodRegistry.of(methods);
        }
    }
}
