package io.skein.examples.interop;

import static io.skein.examples.interop.InteropClient.check;
import static io.skein.examples.interop.InteropClient.checkCode;
import static io.skein.examples.interop.InteropClient.checkSizes;
import static io.skein.examples.interop.InteropClient.checkZeros;
import static io.skein.examples.interop.InteropClient.zeros;

import io.skein.actors.client.ServiceClient;
import io.skein.examples.grpc.testing.BoolValue;
import io.skein.examples.grpc.testing.ResponseParameters;
import io.skein.examples.grpc.testing.SimpleRequest;
import io.skein.examples.grpc.testing.SimpleResponse;
import io.skein.examples.grpc.testing.StreamingInputCallRequest;
import io.skein.examples.grpc.testing.StreamingInputCallResponse;
import io.skein.examples.grpc.testing.StreamingOutputCallRequest;
import io.skein.examples.grpc.testing.StreamingOutputCallResponse;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallOptions;
import io.skein.transport.ResponseMetadata;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * gRPC's four compression interop cases, as gRPC's interop test descriptions define them, for
 * {@link InteropClient}: the client compresses with {@link CallOptions#withCompression} (per message
 * with {@link CallOptions#withMessageCompression}) and sees which responses arrived compressed with
 * {@link ResponseMetadata#wasCompressed} (the descriptions' "compressed message flag").
 */
final class CompressionCases {

    private final InteropClient client;
    private final ServiceClient test;
    private final Materializer mat;

    CompressionCases(InteropClient client, ServiceClient test, Materializer mat) {
        this.client = client;
        this.test = test;
        this.mat = mat;
    }

    private static BoolValue bool(boolean value) {
        return BoolValue.newBuilder().setValue(value).build();
    }

    private CompletionStage<SimpleResponse> unaryCall(SimpleRequest request, CallOptions options) {
        return test.unary("UnaryCall", SimpleRequest.class, SimpleResponse.class).call(request, options);
    }

    /**
     * client_compressed_unary: the probe (expects compression, sent uncompressed) fails with
     * INVALID_ARGUMENT; the same request gzip-compressed, and one that expects no compression sent
     * uncompressed, both succeed.
     */
    void clientCompressedUnary() {
        SimpleRequest expectCompressed = InteropClient.largeRequest().toBuilder()
                .setExpectCompressed(bool(true)).build();
        SimpleRequest expectUncompressed = InteropClient.largeRequest().toBuilder()
                .setExpectCompressed(bool(false)).build();
        Status probe = client.failure("the probe (uncompressed, expect_compressed true)",
                unaryCall(expectCompressed, client.options()));
        checkCode("the probe (uncompressed, expect_compressed true)", probe, StatusCode.INVALID_ARGUMENT);
        SimpleResponse compressed = client.await("UnaryCall compressed",
                unaryCall(expectCompressed, client.options().withCompression(CallOptions.GZIP)));
        checkZeros("compressed UnaryCall response payload", compressed.getPayload(), 314159);
        SimpleResponse uncompressed = client.await("UnaryCall uncompressed",
                unaryCall(expectUncompressed, client.options()));
        checkZeros("uncompressed UnaryCall response payload", uncompressed.getPayload(), 314159);
    }

    /** server_compressed_unary: the response carries the compressed flag exactly when it was asked for. */
    void serverCompressedUnary() {
        for (boolean wanted : new boolean[] {true, false}) {
            ResponseMetadata received = new ResponseMetadata();
            SimpleResponse response = client.await("UnaryCall with response_compressed " + wanted,
                    unaryCall(InteropClient.largeRequest().toBuilder().setResponseCompressed(bool(wanted)).build(),
                            client.options().withResponseMetadata(received)));
            check(received.wasCompressed(response) == wanted, "UnaryCall with response_compressed " + wanted
                    + ": the response arrived " + (wanted ? "uncompressed" : "compressed"));
            checkZeros("UnaryCall response payload", response.getPayload(), 314159);
        }
    }

    /**
     * client_compressed_streaming: the probe call (one uncompressed message expecting compression, the
     * stream left open) fails with INVALID_ARGUMENT; then a gzip call sends a compressed message and an
     * uncompressed one and gets 73086.
     */
    void clientCompressedStreaming() {
        StreamingInputCallRequest expectCompressed = StreamingInputCallRequest.newBuilder()
                .setExpectCompressed(bool(true)).setPayload(zeros(27182)).build();
        StreamingInputCallRequest expectUncompressed = StreamingInputCallRequest.newBuilder()
                .setExpectCompressed(bool(false)).setPayload(zeros(45904)).build();
        Status probe = client.failure("the probe StreamingInputCall", streamingInput(
                Source.single(expectCompressed).concat(Source.never()), client.options()));
        checkCode("the probe StreamingInputCall (uncompressed, expect_compressed true)", probe,
                StatusCode.INVALID_ARGUMENT);
        CallOptions perMessage = client.options().withCompression(CallOptions.GZIP).withMessageCompression(
                r -> ((StreamingInputCallRequest) r).getExpectCompressed().getValue());
        StreamingInputCallResponse response = client.await("StreamingInputCall",
                streamingInput(Source.from(List.of(expectCompressed, expectUncompressed)), perMessage));
        check(response.getAggregatedPayloadSize() == 73086,
                "aggregated_payload_size is " + response.getAggregatedPayloadSize() + ", expected 73086");
    }

    private CompletionStage<StreamingInputCallResponse> streamingInput(Source<StreamingInputCallRequest, ?> requests,
                                                                        CallOptions options) {
        return test.clientStreaming("StreamingInputCall", StreamingInputCallRequest.class,
                StreamingInputCallResponse.class).call(requests, options);
    }

    /** server_compressed_streaming: two responses, the first with the compressed flag, the second without. */
    void serverCompressedStreaming() {
        StreamingOutputCallRequest request = StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(ResponseParameters.newBuilder().setCompressed(bool(true)).setSize(31415))
                .addResponseParameters(ResponseParameters.newBuilder().setCompressed(bool(false)).setSize(92653))
                .build();
        ResponseMetadata received = new ResponseMetadata();
        List<StreamingOutputCallResponse> responses = client.await("StreamingOutputCall",
                test.serverStreaming("StreamingOutputCall", StreamingOutputCallRequest.class,
                                StreamingOutputCallResponse.class)
                        .call(request, client.options().withResponseMetadata(received))
                        .runWith(Sink.seq(), mat));
        checkSizes("StreamingOutputCall", responses, new int[] {31415, 92653});
        check(received.wasCompressed(responses.get(0)), "response 1 (compressed true) arrived uncompressed");
        check(!received.wasCompressed(responses.get(1)), "response 2 (compressed false) arrived compressed");
    }
}
