package io.skein.examples.interop;

import com.google.protobuf.ByteString;
import io.skein.actors.ServiceCall;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.UnaryCall;
import io.skein.examples.grpc.testing.EchoStatus;
import io.skein.examples.grpc.testing.Empty;
import io.skein.examples.grpc.testing.Payload;
import io.skein.examples.grpc.testing.PayloadType;
import io.skein.examples.grpc.testing.ResponseParameters;
import io.skein.examples.grpc.testing.SimpleRequest;
import io.skein.examples.grpc.testing.SimpleResponse;
import io.skein.examples.grpc.testing.StreamingInputCallRequest;
import io.skein.examples.grpc.testing.StreamingInputCallResponse;
import io.skein.examples.grpc.testing.StreamingOutputCallRequest;
import io.skein.examples.grpc.testing.StreamingOutputCallResponse;
import io.skein.examples.grpc.testing.TestServiceSkein;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * gRPC's interop {@code grpc.testing.TestService} as a typed actor, following the server features of
 * gRPC's public interop test descriptions:
 *
 * <ul>
 *   <li>{@code EmptyCall} answers the empty message;</li>
 *   <li>{@code UnaryCall} answers {@code response_size} zero bytes, or ends with {@code response_status}
 *       (Echo Status); {@code CacheableUnaryCall} answers the current time in nanoseconds;</li>
 *   <li>{@code StreamingOutputCall} answers one response per {@code ResponseParameters}, each after its
 *       {@code interval_us} (on a timer, never blocking a thread);</li>
 *   <li>{@code StreamingInputCall} answers the sum of the request payload sizes;</li>
 *   <li>{@code FullDuplexCall} answers each request's parameters as it arrives; {@code HalfDuplexCall}
 *       buffers every request, then answers them in order; both honour {@code response_status};</li>
 *   <li>{@code UnimplementedCall} ends with {@code UNIMPLEMENTED}.</li>
 *   <li>CompressedResponse: {@code response_compressed} (unary) chooses gzip or identity for the
 *       response; a {@code ResponseParameters.compressed} (streams) makes the call's responses gzip and
 *       sends that one response compressed or not ({@link CallContext#setResponseCompression},
 *       {@link CallContext#setMessageCompression}); gzip goes only to a client that accepts it.</li>
 *   <li>CompressedRequest: a request with {@code expect_compressed} true that did not arrive compressed
 *       ends the call with {@code INVALID_ARGUMENT} ({@link CallContext#wasCompressed}, per message).</li>
 * </ul>
 *
 * Every method echoes Echo Metadata: the request's {@code x-grpc-test-echo-initial} comes back in the
 * response headers, {@code x-grpc-test-echo-trailing-bin} in the trailers (values as received).
 */
public final class TestServiceActor {

    /** Initial metadata the server echoes in its response headers. */
    public static final String ECHO_INITIAL = "x-grpc-test-echo-initial";
    /** Metadata the server echoes in its trailers. */
    public static final String ECHO_TRAILING = "x-grpc-test-echo-trailing-bin";

    private TestServiceActor() {
    }

    /** {@code grpc.testing.TestService}. */
    public static com.google.protobuf.Descriptors.ServiceDescriptor descriptor() {
        return TestServiceSkein.descriptor();
    }

    /** The TestService definition; {@code serverId} fills {@code server_id} when a request asks for it. */
    public static ServiceDefinition<TestServiceSkein.Command> definition(Supplier<String> serverId) {
        return TestServiceSkein.definition(create(serverId)).build();
    }

    /** The TestService actor. */
    public static Behavior<TestServiceSkein.Command> create(Supplier<String> serverId) {
        return Behaviors.setup(ctx -> {
            Materializer mat = Materializer.matFromSystem(ctx.getSystem());
            return Behaviors.receive(TestServiceSkein.Command.class)
                    .onMessage(TestServiceSkein.EmptyCall.class, m -> {
                        echoMetadata(m.call());
                        m.call().reply(Empty.getDefaultInstance());
                        return Behaviors.same();
                    })
                    .onMessage(TestServiceSkein.UnaryCall.class, m -> {
                        unary(m.call(), serverId);
                        return Behaviors.same();
                    })
                    .onMessage(TestServiceSkein.CacheableUnaryCall.class, m -> {
                        echoMetadata(m.call());
                        m.call().reply(SimpleResponse.newBuilder()
                                .setPayload(Payload.newBuilder()
                                        .setBody(ByteString.copyFromUtf8(Long.toString(System.nanoTime()))))
                                .build());
                        return Behaviors.same();
                    })
                    .onMessage(TestServiceSkein.StreamingOutputCall.class, m -> {
                        echoMetadata(m.call());
                        StreamingOutputCallRequest req = m.call().request();
                        Status status = status(req.hasResponseStatus() ? req.getResponseStatus() : null);
                        Source<StreamingOutputCallResponse, NotUsed> out = responses(req, m.call().context());
                        if (status != null) {
                            out = out.concat(Source.lazySource(() -> Source.failed(status.asException())));
                        }
                        m.call().respond(out);
                        return Behaviors.same();
                    })
                    .onMessage(TestServiceSkein.StreamingInputCall.class, m -> {
                        echoMetadata(m.call());
                        CallContext context = m.call().context();
                        m.call().reply(m.call().requests()
                                .map(r -> {
                                    checkCompressed(context, r, r.getExpectCompressed().getValue());
                                    return r;
                                })
                                .runWith(Sink.fold(0, (sum, r) -> sum + r.getPayload().getBody().size()), mat)
                                .thenApply(sum -> StreamingInputCallResponse.newBuilder()
                                        .setAggregatedPayloadSize(sum).build()));
                        return Behaviors.same();
                    })
                    .onMessage(TestServiceSkein.FullDuplexCall.class, m -> {
                        echoMetadata(m.call());
                        CallContext context = m.call().context();
                        m.call().respond(m.call().requests().flatMapConcat(r -> answer(r, context)));
                        return Behaviors.same();
                    })
                    .onMessage(TestServiceSkein.HalfDuplexCall.class, m -> {
                        echoMetadata(m.call());
                        m.call().respond(m.call().requests()
                                .fold(new ArrayList<StreamingOutputCallRequest>(), (all, r) -> {
                                    all.add(r);
                                    return all;
                                })
                                .mapConcat(all -> all)
                                .flatMapConcat(r -> answer(r, m.call().context())));
                        return Behaviors.same();
                    })
                    .onMessage(TestServiceSkein.UnimplementedCall.class, m -> {
                        m.call().fail(Status.of(StatusCode.UNIMPLEMENTED,
                                m.call().method() + " is not implemented by the interop server"));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static void unary(UnaryCall<SimpleRequest, SimpleResponse> call, Supplier<String> serverId) {
        echoMetadata(call);
        SimpleRequest req = call.request();
        CallContext ctx = call.context();
        if (req.hasResponseCompressed()) {
            ctx.setResponseCompression(req.getResponseCompressed().getValue() ? "gzip" : "identity");
        }
        try {
            checkCompressed(ctx, req, req.getExpectCompressed().getValue());
        } catch (StatusException e) {
            call.fail(e.status());
            return;
        }
        Status status = status(req.hasResponseStatus() ? req.getResponseStatus() : null);
        if (status != null) {
            call.fail(status);
            return;
        }
        if (req.getResponseType() != PayloadType.COMPRESSABLE) {
            call.fail(Status.of(StatusCode.INVALID_ARGUMENT, "unsupported response_type " + req.getResponseTypeValue()));
            return;
        }
        if (req.getResponseSize() < 0) {
            call.fail(Status.of(StatusCode.INVALID_ARGUMENT, "negative response_size " + req.getResponseSize()));
            return;
        }
        SimpleResponse.Builder response = SimpleResponse.newBuilder().setPayload(zeros(req.getResponseSize()));
        if (req.getFillServerId()) {
            response.setServerId(serverId.get());
        }
        call.reply(response.build());
    }

    /** The responses one streaming request asks for; then its {@code response_status}, if any. */
    private static Source<StreamingOutputCallResponse, NotUsed> answer(StreamingOutputCallRequest req,
                                                                       CallContext ctx) {
        Status status = status(req.hasResponseStatus() ? req.getResponseStatus() : null);
        if (status != null) {
            // Echo Status: the call ends with it, and no further request is processed.
            return Source.failed(status.asException());
        }
        return responses(req, ctx);
    }

    /**
     * One response per parameter, each {@code interval_us} after the previous one (a timer, not a sleep).
     * A parameter with {@code compressed} makes the call's responses gzip (as gRPC's C++ interop server
     * does; it counts until the first response goes out) and sends its own response compressed or not.
     */
    private static Source<StreamingOutputCallResponse, NotUsed> responses(StreamingOutputCallRequest req,
                                                                          CallContext ctx) {
        List<ResponseParameters> params = req.getResponseParametersList();
        for (ResponseParameters p : params) {
            if (p.getSize() < 0 || p.getIntervalUs() < 0) {
                return Source.failed(Status.of(StatusCode.INVALID_ARGUMENT,
                        "negative size or interval in " + p).asException());
            }
        }
        if (params.stream().anyMatch(ResponseParameters::hasCompressed)) {
            ctx.setResponseCompression("gzip");
        }
        return Source.from(params).flatMapConcat(p -> {
            Source<StreamingOutputCallResponse, NotUsed> one = Source.lazySingle(() -> {
                StreamingOutputCallResponse r = StreamingOutputCallResponse.newBuilder()
                        .setPayload(zeros(p.getSize())).build();
                if (p.hasCompressed()) {
                    ctx.setMessageCompression(r, p.getCompressed().getValue());
                }
                return r;
            });
            return p.getIntervalUs() > 0 ? one.initialDelay(Duration.ofNanos(p.getIntervalUs() * 1_000L)) : one;
        });
    }

    /** CompressedRequest: a request that expected compression and came uncompressed fails the call. */
    private static void checkCompressed(CallContext ctx, Object request, boolean expectCompressed) {
        if (expectCompressed && !ctx.wasCompressed(request)) {
            throw new StatusException(StatusCode.INVALID_ARGUMENT,
                    "expect_compressed is set but the request arrived uncompressed");
        }
    }

    private static Payload zeros(int size) {
        return Payload.newBuilder()
                .setType(PayloadType.COMPRESSABLE)
                .setBody(ByteString.copyFrom(new byte[size]))
                .build();
    }

    /** The status a request asks the call to end with, or {@code null} for none (absent or code 0). */
    private static Status status(EchoStatus s) {
        if (s == null || s.getCode() == 0) {
            return null;
        }
        return Status.of(StatusCode.fromValue(s.getCode()), s.getMessage());
    }

    /** Echo Metadata: the initial value back as a response header, the trailing one as a trailer. */
    private static void echoMetadata(ServiceCall<?, ?> call) {
        CallContext ctx = call.context();
        String initial = ctx.metadata().get(ECHO_INITIAL);
        if (initial != null) {
            ctx.setResponseHeaders(Metadata.builder().put(ECHO_INITIAL, initial).build());
        }
        String trailing = ctx.metadata().get(ECHO_TRAILING);
        if (trailing != null) {
            ctx.setResponseTrailers(Metadata.builder().put(ECHO_TRAILING, trailing).build());
        }
    }
}
