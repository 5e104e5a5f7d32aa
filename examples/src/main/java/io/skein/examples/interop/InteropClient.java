package io.skein.examples.interop;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.protobuf.ProtoMethods;
import io.skein.examples.grpc.testing.EchoStatus;
import io.skein.examples.grpc.testing.Empty;
import io.skein.examples.grpc.testing.Payload;
import io.skein.examples.grpc.testing.ResponseParameters;
import io.skein.examples.grpc.testing.SimpleRequest;
import io.skein.examples.grpc.testing.SimpleResponse;
import io.skein.examples.grpc.testing.StreamingInputCallRequest;
import io.skein.examples.grpc.testing.StreamingInputCallResponse;
import io.skein.examples.grpc.testing.StreamingOutputCallRequest;
import io.skein.examples.grpc.testing.StreamingOutputCallResponse;
import io.skein.examples.grpc.testing.TestProto;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.ResponseMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

/**
 * gRPC's interop test cases (gRPC's public interop test descriptions) against a
 * {@code grpc.testing.TestService}, over any {@link ClientChannel}: {@code skein://}, {@code grpc://},
 * or anything else a target opens. Each case returns a {@link Result}; a failure says exactly which
 * assertion did not hold. Every wait is bounded.
 */
public final class InteropClient {

    /** Every case, in the order of gRPC's descriptions, which {@code all} keeps. */
    public static final List<String> CASES = List.of(
            "empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary", "client_streaming",
            "client_compressed_streaming", "server_streaming", "server_compressed_streaming", "ping_pong",
            "empty_stream", "custom_metadata", "status_code_and_message", "special_status_message",
            "unimplemented_method", "unimplemented_service", "cancel_after_begin", "cancel_after_first_response",
            "timeout_on_sleeping_server");

    /** The cases that need message compression (gRPC's); a transport without it cannot run them. */
    public static final List<String> COMPRESSION_CASES = List.of(
            "client_compressed_unary", "server_compressed_unary", "client_compressed_streaming",
            "server_compressed_streaming");

    /** The message of special_status_message: whitespace, a BMP and a non-BMP character. */
    public static final String SPECIAL_STATUS_MESSAGE =
            "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";

    static final String INITIAL_VALUE = "test_initial_metadata_value";
    static final byte[] TRAILING_VALUE = {(byte) 0xab, (byte) 0xab, (byte) 0xab};

    private static final int[] REQUEST_SIZES = {27182, 8, 1828, 45904};
    private static final int[] RESPONSE_SIZES = {31415, 9, 2653, 58979};

    /** The outcome of one case. */
    public record Result(String testCase, boolean passed, String message, Duration took) {
        @Override
        public String toString() {
            return testCase + ": " + (passed ? "PASSED" : "FAILED: " + message) + " (" + took.toMillis() + " ms)";
        }
    }

    /** A failed assertion of a case. */
    static final class CaseFailure extends RuntimeException {
        CaseFailure(String message) {
            super(message, null, false, false);
        }
    }

    private final ClientChannel channel;
    private final Materializer mat;
    private final Duration bound;
    private final ServiceClient test;
    private final ServiceClient unimplemented;
    private final CompressionCases compression; // null when the channel's protocol does not compress

    /**
     * @param system      the actor system the calls run in
     * @param channel     the channel to the TestService server
     * @param bound       the longest any single step may take before the case fails
     * @param compression whether the channel's protocol compresses messages (gRPC does, the native
     *                    protocol does not): without, the {@link #COMPRESSION_CASES} are not run
     */
    public InteropClient(ActorSystem<?> system, ClientChannel channel, Duration bound, boolean compression) {
        this.channel = requireNonNull(channel, "channel");
        this.mat = Materializer.matFromSystem(requireNonNull(system, "system"));
        this.bound = requireNonNull(bound, "bound");
        this.test = ServiceClient.create(system, channel, TestProto.getDescriptor().findServiceByName("TestService"));
        this.unimplemented = ServiceClient.create(system, channel,
                TestProto.getDescriptor().findServiceByName("UnimplementedService"));
        this.compression = compression ? new CompressionCases(this, test, mat) : null;
    }

    /** Over gRPC (which compresses), with {@code bound} per step. */
    public InteropClient(ActorSystem<?> system, ClientChannel channel, Duration bound) {
        this(system, channel, bound, true);
    }

    /** Over gRPC, with a 30 s bound per step. */
    public InteropClient(ActorSystem<?> system, ClientChannel channel) {
        this(system, channel, Duration.ofSeconds(30));
    }

    /** The cases this client runs: {@link #CASES}, without the compression ones over a protocol without compression. */
    public List<String> cases() {
        return compression != null ? CASES
                : CASES.stream().filter(c -> !COMPRESSION_CASES.contains(c)).toList();
    }

    /**
     * Runs one case by its gRPC name; {@code all} is not a case here (see {@link #runAll()}).
     *
     * @throws IllegalArgumentException for an unknown case, or a compression case over a protocol
     *                                  without compression
     */
    public Result run(String testCase) {
        if (compression == null && COMPRESSION_CASES.contains(testCase)) {
            throw new IllegalArgumentException(withoutCompression(testCase));
        }
        long start = System.nanoTime();
        try {
            switch (testCase) {
                case "empty_unary" -> emptyUnary();
                case "large_unary" -> largeUnary();
                case "client_compressed_unary" -> compression.clientCompressedUnary();
                case "server_compressed_unary" -> compression.serverCompressedUnary();
                case "client_streaming" -> clientStreaming();
                case "client_compressed_streaming" -> compression.clientCompressedStreaming();
                case "server_streaming" -> serverStreaming();
                case "server_compressed_streaming" -> compression.serverCompressedStreaming();
                case "ping_pong" -> pingPong();
                case "empty_stream" -> emptyStream();
                case "custom_metadata" -> customMetadata();
                case "status_code_and_message" -> statusCodeAndMessage();
                case "special_status_message" -> specialStatusMessage();
                case "unimplemented_method" -> unimplementedMethod();
                case "unimplemented_service" -> unimplementedService();
                case "cancel_after_begin" -> cancelAfterBegin();
                case "cancel_after_first_response" -> cancelAfterFirstResponse();
                case "timeout_on_sleeping_server" -> timeoutOnSleepingServer();
                default -> throw new IllegalArgumentException("unknown test case " + testCase + "; known: "
                        + String.join(", ", CASES) + ", all");
            }
            return new Result(testCase, true, "", since(start));
        } catch (CaseFailure e) {
            return new Result(testCase, false, e.getMessage(), since(start));
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            return new Result(testCase, false, "unexpected " + e, since(start));
        }
    }

    /** Runs every case in {@link #cases()}, in order. */
    public List<Result> runAll() {
        List<Result> results = new ArrayList<>();
        for (String c : cases()) {
            results.add(run(c));
        }
        return results;
    }

    /** Why {@code testCase} cannot run over a protocol without message compression, in one line. */
    public static String withoutCompression(String testCase) {
        return "test case " + testCase + " needs message compression, which only gRPC has (use --transport grpc)";
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    // ---- the cases ---------------------------------------------------------------------------------

    private void emptyUnary() {
        Empty response = await("EmptyCall", test.unary("EmptyCall", Empty.class, Empty.class)
                .call(Empty.getDefaultInstance(), options()));
        check(response != null, "EmptyCall returned null");
        check(response.getSerializedSize() == 0, "EmptyCall response is not empty: " + response);
    }

    private void largeUnary() {
        SimpleResponse response = await("UnaryCall", test.unary("UnaryCall", SimpleRequest.class, SimpleResponse.class)
                .call(largeRequest(), options()));
        checkZeros("UnaryCall response payload", response.getPayload(), 314159);
    }

    private void clientStreaming() {
        List<StreamingInputCallRequest> requests = Arrays.stream(REQUEST_SIZES)
                .mapToObj(n -> StreamingInputCallRequest.newBuilder().setPayload(zeros(n)).build())
                .toList();
        StreamingInputCallResponse response = await("StreamingInputCall",
                test.clientStreaming("StreamingInputCall", StreamingInputCallRequest.class,
                                StreamingInputCallResponse.class)
                        .call(Source.from(requests), options()));
        check(response.getAggregatedPayloadSize() == 74922,
                "aggregated_payload_size is " + response.getAggregatedPayloadSize() + ", expected 74922");
    }

    private void serverStreaming() {
        StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
        for (int size : RESPONSE_SIZES) {
            request.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
        }
        List<StreamingOutputCallResponse> responses = await("StreamingOutputCall",
                test.serverStreaming("StreamingOutputCall", StreamingOutputCallRequest.class,
                                StreamingOutputCallResponse.class)
                        .call(request.build(), options())
                        .runWith(Sink.seq(), mat));
        checkSizes("StreamingOutputCall", responses, RESPONSE_SIZES);
    }

    private void pingPong() {
        Pair<SourceQueueWithComplete<StreamingOutputCallRequest>, SinkQueueWithCancel<StreamingOutputCallResponse>>
                call = Source.<StreamingOutputCallRequest>queue(1, OverflowStrategy.backpressure())
                .via(fullDuplex(options()))
                .toMat(Sink.queue(), Keep.both())
                .run(mat);
        SourceQueueWithComplete<StreamingOutputCallRequest> requests = call.first();
        SinkQueueWithCancel<StreamingOutputCallResponse> responses = call.second();
        try {
            for (int i = 0; i < REQUEST_SIZES.length; i++) {
                await("offering request " + (i + 1), requests.offer(StreamingOutputCallRequest.newBuilder()
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(RESPONSE_SIZES[i]))
                        .setPayload(zeros(REQUEST_SIZES[i]))
                        .build()));
                Optional<StreamingOutputCallResponse> response = await("response " + (i + 1), responses.pull());
                check(response.isPresent(), "FullDuplexCall ended after " + i + " responses, expected 4");
                checkZeros("response " + (i + 1) + " payload", response.get().getPayload(), RESPONSE_SIZES[i]);
            }
            requests.complete();
            Optional<StreamingOutputCallResponse> end = await("the end of the call", responses.pull());
            check(end.isEmpty(), "FullDuplexCall sent a fifth response after the client half-closed: " + end);
        } finally {
            responses.cancel();
        }
    }

    private void emptyStream() {
        List<StreamingOutputCallResponse> responses = await("FullDuplexCall",
                Source.<StreamingOutputCallRequest>empty().via(fullDuplex(options())).runWith(Sink.seq(), mat));
        check(responses.isEmpty(), "expected zero responses, got " + responses.size());
    }

    private void customMetadata() {
        String trailing = Base64.getEncoder().encodeToString(TRAILING_VALUE);
        Metadata metadata = Metadata.builder()
                .put(TestServiceActor.ECHO_INITIAL, INITIAL_VALUE)
                .put(TestServiceActor.ECHO_TRAILING, trailing)
                .build();

        ResponseMetadata unary = new ResponseMetadata();
        SimpleResponse response = await("UnaryCall", test.unary("UnaryCall", SimpleRequest.class, SimpleResponse.class)
                .call(largeRequest(), options().withMetadata(metadata).withResponseMetadata(unary)));
        checkZeros("UnaryCall response payload", response.getPayload(), 314159);
        checkEchoedMetadata("UnaryCall", unary);

        ResponseMetadata duplex = new ResponseMetadata();
        List<StreamingOutputCallResponse> responses = await("FullDuplexCall",
                Source.single(StreamingOutputCallRequest.newBuilder()
                                .addResponseParameters(ResponseParameters.newBuilder().setSize(314159))
                                .setPayload(zeros(271828))
                                .build())
                        .via(fullDuplex(options().withMetadata(metadata).withResponseMetadata(duplex)))
                        .runWith(Sink.seq(), mat));
        checkSizes("FullDuplexCall", responses, new int[] {314159});
        checkEchoedMetadata("FullDuplexCall", duplex);
    }

    private void checkEchoedMetadata(String call, ResponseMetadata received) {
        Metadata headers = await(call + " response headers", received.headers());
        Metadata trailers = await(call + " trailers", received.trailers());
        String initial = headers.get(TestServiceActor.ECHO_INITIAL);
        check(INITIAL_VALUE.equals(initial), call + ": initial metadata " + TestServiceActor.ECHO_INITIAL
                + " is " + quote(initial) + ", expected " + quote(INITIAL_VALUE) + " (headers: " + headers + ")");
        String trailing = trailers.get(TestServiceActor.ECHO_TRAILING);
        check(trailing != null, call + ": no " + TestServiceActor.ECHO_TRAILING + " in the trailers: " + trailers);
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(trailing.trim());
        } catch (IllegalArgumentException e) {
            throw new CaseFailure(call + ": trailer " + TestServiceActor.ECHO_TRAILING + " is not base64: "
                    + quote(trailing));
        }
        check(Arrays.equals(TRAILING_VALUE, decoded), call + ": trailer " + TestServiceActor.ECHO_TRAILING
                + " decodes to " + hex(decoded) + ", expected 0xababab");
    }

    private void statusCodeAndMessage() {
        expectStatus("UnaryCall", 2, "test status message");
        expectDuplexStatus(2, "test status message");
    }

    private void specialStatusMessage() {
        expectStatus("UnaryCall", 2, SPECIAL_STATUS_MESSAGE);
    }

    private void expectStatus(String what, int code, String message) {
        SimpleRequest request = SimpleRequest.newBuilder()
                .setResponseStatus(EchoStatus.newBuilder().setCode(code).setMessage(message))
                .build();
        Status status = failure(what, test.unary("UnaryCall", SimpleRequest.class, SimpleResponse.class)
                .call(request, options()));
        checkStatus(what, status, StatusCode.fromValue(code), message);
    }

    private void expectDuplexStatus(int code, String message) {
        StreamingOutputCallRequest request = StreamingOutputCallRequest.newBuilder()
                .setResponseStatus(EchoStatus.newBuilder().setCode(code).setMessage(message))
                .build();
        Status status = failure("FullDuplexCall",
                Source.single(request).via(fullDuplex(options())).runWith(Sink.seq(), mat));
        checkStatus("FullDuplexCall", status, StatusCode.fromValue(code), message);
    }

    private void unimplementedMethod() {
        Status status = failure("TestService/UnimplementedCall", test.unary("UnimplementedCall", Empty.class, Empty.class)
                .call(Empty.getDefaultInstance(), options()));
        checkCode("TestService/UnimplementedCall", status, StatusCode.UNIMPLEMENTED);
    }

    private void unimplementedService() {
        Status status = failure("UnimplementedService/UnimplementedCall",
                unimplemented.unary("UnimplementedCall", Empty.class, Empty.class)
                        .call(Empty.getDefaultInstance(), options()));
        checkCode("UnimplementedService/UnimplementedCall", status, StatusCode.UNIMPLEMENTED);
    }

    private void cancelAfterBegin() {
        MethodDescriptor<StreamingInputCallRequest, StreamingInputCallResponse> method =
                method("StreamingInputCall");
        // The call starts (its request stream stays open, with no message), then the client cancels it.
        Pair<UniqueKillSwitch, CompletionStage<List<StreamingInputCallResponse>>> call =
                Source.<StreamingInputCallRequest>never()
                        .viaMat(KillSwitches.single(), Keep.right())
                        .via(channel.stream(method, options()))
                        .toMat(Sink.seq(), Keep.both())
                        .run(mat);
        call.first().abort(new CancellationException("cancel_after_begin: the client cancels the call"));
        Status status = failure("StreamingInputCall", call.second());
        checkCode("StreamingInputCall", status, StatusCode.CANCELLED);
    }

    private void cancelAfterFirstResponse() {
        CompletableFuture<StreamingOutputCallResponse> first = new CompletableFuture<>();
        Pair<UniqueKillSwitch, CompletionStage<Done>> call = Source.single(StreamingOutputCallRequest.newBuilder()
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(31415))
                        .setPayload(zeros(27182))
                        .build())
                .concat(Source.never())
                .viaMat(KillSwitches.single(), Keep.right())
                .via(fullDuplex(options()))
                .toMat(Sink.foreach(first::complete), Keep.both())
                .run(mat);
        call.second().whenComplete((done, error) -> first.completeExceptionally(error != null ? error
                : new IllegalStateException("FullDuplexCall completed without a response")));
        try {
            checkZeros("first response payload", await("first response", first).getPayload(), 31415);
        } finally {
            call.first().abort(new CancellationException("cancel_after_first_response: the client cancels the call"));
        }
        Status status = failure("FullDuplexCall", call.second());
        checkCode("FullDuplexCall", status, StatusCode.CANCELLED);
    }

    private void timeoutOnSleepingServer() {
        // The request asks for nothing and the client never half-closes: the server "sleeps" until the
        // 1 ms deadline passes.
        CompletionStage<List<StreamingOutputCallResponse>> call = Source.single(StreamingOutputCallRequest.newBuilder()
                        .setPayload(zeros(27182))
                        .build())
                .concat(Source.never())
                .via(fullDuplex(options().withTimeout(Duration.ofMillis(1))))
                .runWith(Sink.seq(), mat);
        Status status = failure("FullDuplexCall", call);
        checkCode("FullDuplexCall with a 1 ms deadline", status, StatusCode.DEADLINE_EXCEEDED);
    }

    // ---- helpers -----------------------------------------------------------------------------------

    CallOptions options() {
        return CallOptions.DEFAULT;
    }

    private Flow<StreamingOutputCallRequest, StreamingOutputCallResponse, NotUsed> fullDuplex(CallOptions options) {
        return test.bidiStreaming("FullDuplexCall", StreamingOutputCallRequest.class, StreamingOutputCallResponse.class)
                .call(options);
    }

    private static <Req, Resp> MethodDescriptor<Req, Resp> method(String name) {
        Descriptors.MethodDescriptor m = TestProto.getDescriptor().findServiceByName("TestService")
                .findMethodByName(name);
        return castDescriptor(ProtoMethods.descriptor(m));
    }

    @SuppressWarnings("unchecked")
    private static <Req, Resp> MethodDescriptor<Req, Resp> castDescriptor(MethodDescriptor<?, ?> d) {
        return (MethodDescriptor<Req, Resp>) d;
    }

    static SimpleRequest largeRequest() {
        return SimpleRequest.newBuilder().setResponseSize(314159).setPayload(zeros(271828)).build();
    }

    static Payload zeros(int size) {
        return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
    }

    static void checkSizes(String call, List<StreamingOutputCallResponse> responses, int[] expected) {
        check(responses.size() == expected.length, call + " sent " + responses.size() + " responses, expected "
                + expected.length + " (sizes " + responses.stream().map(r -> r.getPayload().getBody().size()).toList()
                + ")");
        for (int i = 0; i < expected.length; i++) {
            checkZeros(call + " response " + (i + 1) + " payload", responses.get(i).getPayload(), expected[i]);
        }
    }

    static void checkZeros(String what, Payload payload, int size) {
        ByteString body = payload.getBody();
        check(body.size() == size, what + " is " + body.size() + " bytes, expected " + size);
        for (int i = 0; i < body.size(); i++) {
            if (body.byteAt(i) != 0) {
                throw new CaseFailure(what + " has a non-zero byte at " + i);
            }
        }
    }

    static void checkCode(String call, Status status, StatusCode expected) {
        check(status.code() == expected, call + " ended with " + status.code() + " (" + quote(status.message())
                + "), expected " + expected);
    }

    private static void checkStatus(String call, Status status, StatusCode code, String message) {
        checkCode(call, status, code);
        check(message.equals(status.message()), call + " ended with message " + quote(status.message())
                + ", expected " + quote(message));
    }

    static void check(boolean condition, String failure) {
        if (!condition) {
            throw new CaseFailure(failure);
        }
    }

    <T> T await(String what, CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            throw new CaseFailure(what + " failed: " + Status.fromThrowable(unwrap(e)));
        } catch (TimeoutException e) {
            throw new CaseFailure(what + ": no result within " + bound.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailure(what + ": interrupted");
        }
    }

    /** The status {@code stage} fails with; a case failure when it succeeds or takes too long. */
    Status failure(String what, CompletionStage<?> stage) {
        Object value;
        try {
            value = stage.toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            return Status.fromThrowable(unwrap(e));
        } catch (CancellationException e) {
            throw new CaseFailure(what + " ended with a local cancellation instead of a status");
        } catch (TimeoutException e) {
            throw new CaseFailure(what + " neither failed nor succeeded within " + bound.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaseFailure(what + ": interrupted");
        }
        throw new CaseFailure(what + " succeeded (" + brief(value) + "), expected it to fail");
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String brief(Object value) {
        String s = String.valueOf(value);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (cp < 0x20 || cp > 0x7e) {
                        b.append(cp > 0xffff ? String.format("\\U%08x", cp) : String.format("\\u%04x", cp));
                    } else {
                        b.appendCodePoint(cp);
                    }
                }
            }
        });
        return b.append('"').toString();
    }

    private static String hex(byte[] bytes) {
        StringBuilder b = new StringBuilder("0x");
        for (byte x : bytes) {
            b.append(String.format("%02x", x & 0xff));
        }
        return b.toString();
    }
}
