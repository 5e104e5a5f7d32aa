package io.skein.actors;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors;
import io.skein.transport.CallContext;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Implements a service with plain functions and stream transformers instead of a hand-written
 * actor. It is built on the actor form: the functions run inside a typed actor that receives each
 * call as a {@link CallMessage}, so supervision, crash isolation and the call path are the same.
 *
 * <pre>{@code
 * ServiceDefinition<FunctionalService.Invocation> echo = FunctionalService.builder(echoDescriptor)
 *         .unary("Say", (EchoRequest req, CallContext ctx) -> CompletableFuture.completedFuture(reply(req)))
 *         .bidiStreaming("Chat", (Source<EchoRequest, NotUsed> in, CallContext ctx) -> in.map(this::reply))
 *         .build();
 * }</pre>
 */
public final class FunctionalService {

    private FunctionalService() {
    }

    /** The message the functional service actor receives: a call and what to run for it. */
    public record Invocation(ServiceCall<?, ?> call, Consumer<ServiceCall<?, ?>> run) implements CallMessage {
    }

    /** Starts a functional implementation of {@code service}. */
    public static Builder builder(Descriptors.ServiceDescriptor service) {
        return new Builder(requireNonNull(service, "service"));
    }

    /** Builds the function table and the definition. */
    public static final class Builder {
        private final ServiceDefinition.Builder<Invocation> definition;
        private int instances = 1;

        private Builder(Descriptors.ServiceDescriptor service) {
            this.definition = ServiceDefinition.forBehavior(service, behavior());
        }

        /** A unary method as {@code (request, context) -> response stage}. */
        @SuppressWarnings("unchecked")
        public <Req, Resp> Builder unary(String method, BiFunction<Req, CallContext, CompletionStage<Resp>> fn) {
            requireNonNull(fn, "fn");
            definition.<Req, Resp>unary(method, call -> new Invocation(call, c -> {
                UnaryCall<Req, Resp> u = (UnaryCall<Req, Resp>) c;
                u.reply(fn.apply(u.request(), u.context()));
            }));
            return this;
        }

        /** A server-streaming method as {@code (request, context) -> response source}. */
        @SuppressWarnings("unchecked")
        public <Req, Resp> Builder serverStreaming(String method, BiFunction<Req, CallContext, Source<Resp, ?>> fn) {
            requireNonNull(fn, "fn");
            definition.<Req, Resp>serverStreaming(method, call -> new Invocation(call, c -> {
                ServerStreamingCall<Req, Resp> s = (ServerStreamingCall<Req, Resp>) c;
                s.respond(fn.apply(s.request(), s.context()));
            }));
            return this;
        }

        /** A client-streaming method as {@code (requests, context) -> response stage}. */
        @SuppressWarnings("unchecked")
        public <Req, Resp> Builder clientStreaming(String method,
                                                   BiFunction<Source<Req, NotUsed>, CallContext, CompletionStage<Resp>> fn) {
            requireNonNull(fn, "fn");
            definition.<Req, Resp>clientStreaming(method, call -> new Invocation(call, c -> {
                ClientStreamingCall<Req, Resp> s = (ClientStreamingCall<Req, Resp>) c;
                s.reply(fn.apply(s.requests(), s.context()));
            }));
            return this;
        }

        /** A bidirectional method as a stream transformer {@code (requests, context) -> responses}. */
        @SuppressWarnings("unchecked")
        public <Req, Resp> Builder bidiStreaming(String method,
                                                 BiFunction<Source<Req, NotUsed>, CallContext, Source<Resp, ?>> fn) {
            requireNonNull(fn, "fn");
            definition.<Req, Resp>bidiStreaming(method, call -> new Invocation(call, c -> {
                BidiStreamingCall<Req, Resp> s = (BidiStreamingCall<Req, Resp>) c;
                s.respond(fn.apply(s.requests(), s.context()));
            }));
            return this;
        }

        /** Run the functions on {@code n} actors (calls spread round robin); default 1. */
        public Builder instances(int n) {
            this.instances = n;
            return this;
        }

        public ServiceDefinition<Invocation> build() {
            return definition.instances(instances).build();
        }

        private static Behavior<Invocation> behavior() {
            return Behaviors.receive(Invocation.class)
                    .onMessage(Invocation.class, inv -> {
                        inv.run().accept(inv.call());
                        return Behaviors.same();
                    })
                    .build();
        }
    }
}
