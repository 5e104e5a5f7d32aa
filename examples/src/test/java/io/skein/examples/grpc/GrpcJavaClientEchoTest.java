package io.skein.examples.grpc;

import static io.skein.examples.grpc.GrpcJava.assertStatus;
import static io.skein.examples.grpc.GrpcJava.await;
import static io.skein.examples.grpc.GrpcJava.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.skein.examples.echo.EchoGrpc;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import io.skein.transport.CallContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * grpc-java 1.85.1 (a real {@code ManagedChannel}, Netty, plaintext with prior knowledge) calling Skein
 * nodes over gRPC on their native port: the real Echo actor for the four call kinds, statuses, gzip and
 * size limits ({@code skein.grpc.max-message-size = 64 KiB} on that node), and an {@link ObservedEcho}
 * node to see the server side of deadlines, cancellation and metadata.
 */
class GrpcJavaClientEchoTest {

    static final int MAX_MESSAGE = 64 * 1024;

    private static SkeinNode echoNode;
    private static SkeinNode observedNode;
    private static final ObservedEcho observed = new ObservedEcho();
    private static ManagedChannel echoChannel;
    private static ManagedChannel observedChannel;

    @BeforeAll
    static void start() {
        echoNode = TestNodes.echoNode("pekko.loglevel = WARNING\nskein.grpc.max-message-size = 64 KiB\n");
        observedNode = TestNodes.node(observed.definition(), "pekko.loglevel = WARNING\n");
        observed.materializer = Materializer.matFromSystem(observedNode.system());
        echoChannel = GrpcJava.channel(echoNode.address());
        observedChannel = GrpcJava.channel(observedNode.address());
    }

    @AfterAll
    static void stop() {
        try {
            GrpcJava.close(echoChannel);
            GrpcJava.close(observedChannel);
        } finally {
            try {
                TestNodes.close(echoNode);
            } finally {
                TestNodes.close(observedNode);
            }
        }
    }

    private static EchoGrpc.EchoBlockingStub echo() {
        return EchoGrpc.newBlockingStub(echoChannel).withDeadlineAfter(GrpcJava.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- the four call kinds -----------------------------------------------------------------------

    @Test
    void sayEchoesMessageAndPayload() {
        byte[] payload = new byte[1000];
        payload[7] = 42;
        EchoReply reply = echo().say(EchoRequest.newBuilder().setMessage("hello grpc-java")
                .setPayload(ByteString.copyFrom(payload)).build());
        assertEquals("hello grpc-java", reply.getMessage());
        assertArrayEquals(payload, reply.getPayload().toByteArray());
        assertEquals(echoNode.nodeId(), reply.getServedBy());
    }

    @Test
    void repeatStreamsCountRepliesInOrder() {
        Iterator<EchoReply> it = echo().repeat(RepeatRequest.newBuilder().setMessage("r").setCount(25)
                .setPayloadSize(100).build());
        List<EchoReply> replies = new ArrayList<>();
        it.forEachRemaining(replies::add);
        assertEquals(25, replies.size());
        for (int i = 0; i < replies.size(); i++) {
            assertEquals(i, replies.get(i).getSeq());
            assertEquals(100, replies.get(i).getPayload().size());
        }
    }

    @Test
    void collectJoinsAClientStream() {
        GrpcJava.Collector<EchoReply> response = new GrpcJava.Collector<>();
        StreamObserver<EchoRequest> requests = EchoGrpc.newStub(echoChannel).collect(response);
        for (String m : List.of("a", "b", "c", "d")) {
            requests.onNext(EchoRequest.newBuilder().setMessage(m).build());
        }
        requests.onCompleted();
        List<EchoReply> replies = await(response.done);
        assertEquals(1, replies.size());
        assertEquals("a,b,c,d", replies.get(0).getMessage());
        assertEquals(4, replies.get(0).getSeq());
    }

    @Test
    void chatAnswersEachRequestInOrder() {
        GrpcJava.Collector<EchoReply> responses = new GrpcJava.Collector<>();
        StreamObserver<EchoRequest> requests = EchoGrpc.newStub(echoChannel).chat(responses);
        for (int i = 0; i < 50; i++) {
            requests.onNext(EchoRequest.newBuilder().setMessage("m" + i).build());
        }
        requests.onCompleted();
        List<EchoReply> replies = await(responses.done);
        assertEquals(50, replies.size());
        for (int i = 0; i < 50; i++) {
            assertEquals("m" + i, replies.get(i).getMessage());
            assertEquals(i, replies.get(i).getSeq());
        }
    }

    @Test
    void chatFailureEndsTheStreamWithItsStatus() {
        GrpcJava.Collector<EchoReply> responses = new GrpcJava.Collector<>();
        StreamObserver<EchoRequest> requests = EchoGrpc.newStub(echoChannel).chat(responses);
        requests.onNext(EchoRequest.newBuilder().setMessage("fine").build());
        requests.onNext(EchoRequest.newBuilder().setMessage("chat refused").setFailWith(9).build());
        Status s = awaitFailure(responses.done);
        requests.onCompleted();
        assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode());
        assertEquals("chat refused", s.getDescription());
    }

    // ---- statuses ----------------------------------------------------------------------------------

    @Test
    void failWithGivesTheExactCodeAndMessage() {
        for (int code = 1; code <= 16; code++) {
            String message = "failure " + code;
            int c = code;
            Status s = assertStatus(Status.fromCodeValue(code).getCode(),
                    () -> echo().say(EchoRequest.newBuilder().setMessage(message).setFailWith(c).build()));
            assertEquals(message, s.getDescription());
        }
    }

    @Test
    void nonAsciiStatusMessageSurvivesPercentEncoding() {
        String message = "échec: ☺ and 😈, 100% \"quoted\"\t\r\n end";
        Status s = assertStatus(Status.Code.ABORTED,
                () -> echo().say(EchoRequest.newBuilder().setMessage(message).setFailWith(10).build()));
        assertEquals(message, s.getDescription());
    }

    // ---- deadlines and cancellation ----------------------------------------------------------------

    @Test
    void deadlineExceededOnBothSides() {
        observed.calls.clear();
        // DEADLINE_EXCEEDED is the proof the deadline cut the call short: the 5 s reply would be OK.
        assertStatus(Status.Code.DEADLINE_EXCEEDED, () -> EchoGrpc.newBlockingStub(observedChannel)
                .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                .say(EchoRequest.newBuilder().setMessage("slow").setDelayMs(5_000).build()));
        CallContext ctx = observed.nextCall(GrpcJava.TIMEOUT);
        // grpc-timeout reached the server...
        assertTrue(ctx.hasDeadline(), "the server saw no deadline");
        // ...and the server ended the call with it (its own timer) or with the client's RST_STREAM after it.
        io.skein.protocols.Status end = ObservedEcho.termination(ctx, GrpcJava.TIMEOUT);
        assertTrue(Set.of(StatusCode.DEADLINE_EXCEEDED, StatusCode.CANCELLED).contains(end.code()),
                "server-side end: " + end);
    }

    @Test
    void grpcJavaCancelEndsTheEndlessServerStream() {
        observed.calls.clear();
        observed.streamEnds.clear();
        ClientCall<RepeatRequest, EchoReply> call = observedChannel.newCall(EchoGrpc.getRepeatMethod(), CallOptions.DEFAULT);
        CompletableFuture<EchoReply> first = new CompletableFuture<>();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(EchoReply message) {
                first.complete(message);
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(RepeatRequest.newBuilder().setMessage("forever").setCount(0).setPayloadSize(10).build());
        call.halfClose();
        assertEquals(0, await(first).getSeq());
        CallContext ctx = observed.nextCall(GrpcJava.TIMEOUT);
        call.cancel("the test cancels", null);
        assertEquals(Status.Code.CANCELLED, await(closed).getCode());
        // The Skein side ends: the call's context and the service's response stream both terminate.
        assertEquals(StatusCode.CANCELLED, ObservedEcho.termination(ctx, GrpcJava.TIMEOUT).code());
        CompletableFuture<?> streamEnd = observed.nextStreamEnd(GrpcJava.TIMEOUT).toCompletableFuture();
        try {
            streamEnd.get(GrpcJava.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // the stream was stopped with a failure: it ended all the same
        } catch (Exception e) {
            throw new AssertionError("the service's Repeat stream did not end after the cancel", e);
        }
        assertTrue(streamEnd.isDone());
    }

    // ---- metadata ----------------------------------------------------------------------------------

    @Test
    void customMetadataTravelsBothWaysIncludingBinary() {
        Metadata.Key<String> initial = Metadata.Key.of("x-echo-initial", Metadata.ASCII_STRING_MARSHALLER);
        Metadata.Key<byte[]> initialBin = Metadata.Key.of("x-echo-initial-bin", Metadata.BINARY_BYTE_MARSHALLER);
        Metadata.Key<byte[]> trailingBin = Metadata.Key.of("x-echo-trailing-bin", Metadata.BINARY_BYTE_MARSHALLER);
        Metadata.Key<String> plain = Metadata.Key.of("x-plain", Metadata.ASCII_STRING_MARSHALLER);
        byte[] binary = {0, (byte) 0xff, (byte) 0xab, 1, 2, 3, (byte) 0x80};
        byte[] trailing = {(byte) 0xab, (byte) 0xab, (byte) 0xab};
        Metadata sent = new Metadata();
        sent.put(initial, "initial value");
        sent.put(initialBin, binary);
        sent.put(trailingBin, trailing);
        sent.put(plain, "just for the server");
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        observed.calls.clear();
        EchoReply reply = EchoGrpc.newBlockingStub(observedChannel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
                        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                .say(EchoRequest.newBuilder().setMessage("metadata").build());
        assertEquals("metadata", reply.getMessage());
        // Client -> server: the service sees every key; -bin values as base64 text.
        CallContext ctx = observed.nextCall(GrpcJava.TIMEOUT);
        assertEquals("initial value", ctx.metadata().get("x-echo-initial"));
        assertEquals("just for the server", ctx.metadata().get("x-plain"));
        assertArrayEquals(binary, Base64.getDecoder().decode(ctx.metadata().get("x-echo-initial-bin")));
        assertArrayEquals(trailing, Base64.getDecoder().decode(ctx.metadata().get("x-echo-trailing-bin")));
        // Server -> client: response headers and trailers, binary included.
        assertEquals("initial value", headers.get().get(initial));
        assertArrayEquals(binary, headers.get().get(initialBin));
        assertArrayEquals(trailing, trailers.get().get(trailingBin));
    }

    // ---- compression -------------------------------------------------------------------------------

    @Test
    void gzipRequestsAreAcceptedAndAnsweredWithGzip() {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        byte[] payload = "compress me ".repeat(2000).getBytes(StandardCharsets.US_ASCII); // 24 KB, compressible
        EchoReply reply = echo().withCompression("gzip")
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                .say(EchoRequest.newBuilder().setMessage("gzip").setPayload(ByteString.copyFrom(payload)).build());
        assertEquals("gzip", reply.getMessage());
        assertArrayEquals(payload, reply.getPayload().toByteArray());
        Metadata.Key<String> encoding = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
        assertEquals("gzip", headers.get().get(encoding), "response grpc-encoding; headers: " + headers.get());

        // Streams too: a gzip-compressed client stream, and Chat both ways.
        GrpcJava.Collector<EchoReply> responses = new GrpcJava.Collector<>();
        StreamObserver<EchoRequest> requests = EchoGrpc.newStub(echoChannel).withCompression("gzip").chat(responses);
        for (int i = 0; i < 10; i++) {
            requests.onNext(EchoRequest.newBuilder().setMessage("z" + i).setPayload(ByteString.copyFrom(payload)).build());
        }
        requests.onCompleted();
        List<EchoReply> replies = await(responses.done);
        assertEquals(10, replies.size());
        assertArrayEquals(payload, replies.get(9).getPayload().toByteArray());
    }

    @Test
    void uncompressedRequestGetsAnUncompressedAnswer() {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        echo().withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                .say(EchoRequest.newBuilder().setMessage("plain").build());
        Metadata.Key<String> encoding = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
        String e = headers.get().get(encoding);
        assertTrue(e == null || e.equals("identity"), "unexpected response encoding " + e);
    }

    // ---- unknown methods and services --------------------------------------------------------------

    @Test
    void unknownMethodIsUnimplemented() {
        assertStatus(Status.Code.UNIMPLEMENTED, () -> ClientCalls.blockingUnaryCall(echoChannel,
                GrpcJava.rawUnary("skein.examples.echo.Echo/NoSuchMethod"), CallOptions.DEFAULT, new byte[0]));
    }

    @Test
    void unknownServiceIsUnimplemented() {
        assertStatus(Status.Code.UNIMPLEMENTED, () -> ClientCalls.blockingUnaryCall(echoChannel,
                GrpcJava.rawUnary("no.such.Service/Say"), CallOptions.DEFAULT, new byte[0]));
    }

    // ---- message size ------------------------------------------------------------------------------

    @Test
    void requestOverMaxMessageSizeIsResourceExhausted() {
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> echo().say(EchoRequest.newBuilder()
                .setPayload(ByteString.copyFrom(new byte[MAX_MESSAGE + 1])).build()));
        // Just under the limit still works.
        EchoReply ok = echo().say(EchoRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[MAX_MESSAGE - 64]))
                .build());
        assertEquals(MAX_MESSAGE - 64, ok.getPayload().size());
    }

    @Test
    void gzipRequestOverMaxMessageSizeAfterDecompressionIsResourceExhausted() {
        // 1 MiB of zeros compresses to about 1 KB: the limit applies to the decompressed size.
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> echo().withCompression("gzip").say(EchoRequest.newBuilder()
                .setPayload(ByteString.copyFrom(new byte[1024 * 1024])).build()));
    }

    @Test
    void responseOverMaxMessageSizeIsResourceExhausted() {
        Iterator<EchoReply> it = echo().repeat(RepeatRequest.newBuilder().setCount(1).setPayloadSize(MAX_MESSAGE + 1)
                .build());
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> it.forEachRemaining(r -> { }));
    }
}
