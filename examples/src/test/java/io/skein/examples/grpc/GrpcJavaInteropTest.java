package io.skein.examples.grpc;

import static io.skein.examples.grpc.GrpcJava.assertStatus;
import static io.skein.examples.grpc.GrpcJava.await;
import static io.skein.examples.grpc.GrpcJava.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.skein.actors.client.Targets;
import io.skein.examples.echo.EchoService;
import io.skein.examples.grpc.testing.BoolValue;
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
import io.skein.examples.grpc.testing.TestServiceGrpc;
import io.skein.examples.grpc.testing.UnimplementedServiceGrpc;
import io.skein.examples.interop.InteropClient;
import io.skein.examples.interop.TestServiceActor;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.transport.ClientChannel;
import io.skein.transport.testing.TestPki;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gRPC's interop cases (gRPC's public interop test descriptions) between Skein and grpc-java 1.85.1,
 * both ways: grpc-java's side of every case, written here, against Skein's {@code interop-server}
 * ({@link TestServiceActor}); and Skein's {@link InteropClient} over {@code grpc://} against a grpc-java
 * TestService server ({@link GrpcJavaTestService}). Whether a message arrived compressed, which
 * grpc-java's API does not say, grpc-java's side learns from its stream tracers ({@link WireSizes}).
 */
class GrpcJavaInteropTest {

    static final Metadata.Key<String> ECHO_INITIAL =
            Metadata.Key.of("x-grpc-test-echo-initial", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<byte[]> ECHO_TRAILING =
            Metadata.Key.of("x-grpc-test-echo-trailing-bin", Metadata.BINARY_BYTE_MARSHALLER);
    static final int[] REQUEST_SIZES = {27182, 8, 1828, 45904};
    static final int[] RESPONSE_SIZES = {31415, 9, 2653, 58979};

    static Payload zeros(int size) {
        return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
    }

    static void assertZeros(int size, Payload payload) {
        assertEquals(size, payload.getBody().size());
        for (byte b : payload.getBody().toByteArray()) {
            if (b != 0) {
                throw new AssertionError("payload is not all zeros");
            }
        }
    }

    // ---- (1) grpc-java client -> Skein interop server ----------------------------------------------

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class GrpcJavaClientAgainstSkeinServer {

        private SkeinNode server;
        private ManagedChannel channel;

        /** Extra server configuration (the TLS variants below set skein.tls.server). */
        String serverConfig() {
            return "";
        }

        /** The grpc-java channel to the server (the TLS variants below build theirs with TLS). */
        ManagedChannel openChannel(java.net.InetSocketAddress address) {
            return GrpcJava.channel(address);
        }

        @BeforeAll
        void start() {
            server = SkeinNode.builder()
                    .config(com.typesafe.config.ConfigFactory.parseString(TestNodes.LOOPBACK + "pekko.loglevel = WARNING\n"
                            + serverConfig()))
                    .service(info -> TestServiceActor.definition(info::nodeId))
                    .service(info -> EchoService.definition(info::nodeId))
                    .start();
            channel = openChannel(server.address());
        }

        @AfterAll
        void stop() {
            try {
                GrpcJava.close(channel);
            } finally {
                TestNodes.close(server);
            }
        }

        private TestServiceGrpc.TestServiceBlockingStub blocking() {
            return TestServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
        }

        private TestServiceGrpc.TestServiceStub async() {
            return TestServiceGrpc.newStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
        }

        @Test
        void empty_unary() {
            assertEquals(Empty.getDefaultInstance(), blocking().emptyCall(Empty.getDefaultInstance()));
        }

        @Test
        void large_unary() {
            SimpleResponse r = blocking().unaryCall(SimpleRequest.newBuilder().setResponseSize(314159)
                    .setPayload(zeros(271828)).build());
            assertZeros(314159, r.getPayload());
        }

        private static SimpleRequest largeRequest() {
            return SimpleRequest.newBuilder().setResponseSize(314159).setPayload(zeros(271828)).build();
        }

        private static BoolValue bool(boolean value) {
            return BoolValue.newBuilder().setValue(value).build();
        }

        @Test
        void client_compressed_unary() {
            SimpleRequest expectCompressed = largeRequest().toBuilder().setExpectCompressed(bool(true)).build();
            assertStatus(Status.Code.INVALID_ARGUMENT, () -> blocking().unaryCall(expectCompressed));
            assertZeros(314159, blocking().withCompression("gzip").unaryCall(expectCompressed).getPayload());
            assertZeros(314159, blocking().unaryCall(largeRequest().toBuilder().setExpectCompressed(bool(false))
                    .build()).getPayload());
        }

        @Test
        void server_compressed_unary() {
            for (boolean wanted : new boolean[] {true, false}) {
                WireSizes sizes = new WireSizes();
                SimpleResponse r = blocking().withInterceptors(sizes.interceptor())
                        .unaryCall(largeRequest().toBuilder().setResponseCompressed(bool(wanted)).build());
                assertZeros(314159, r.getPayload());
                assertEquals(wanted, sizes.compressed(0, r), "response compressed with response_compressed " + wanted);
            }
        }

        @Test
        void client_compressed_streaming() {
            StreamingInputCallRequest expectCompressed = StreamingInputCallRequest.newBuilder()
                    .setExpectCompressed(bool(true)).setPayload(zeros(27182)).build();
            // The probe: uncompressed though it expects compression; the call fails without a half-close.
            GrpcJava.Collector<StreamingInputCallResponse> probe = new GrpcJava.Collector<>();
            async().streamingInputCall(probe).onNext(expectCompressed);
            assertEquals(Status.Code.INVALID_ARGUMENT, awaitFailure(probe.done).getCode());

            GrpcJava.Collector<StreamingInputCallResponse> response = new GrpcJava.Collector<>();
            ClientCallStreamObserver<StreamingInputCallRequest> requests =
                    (ClientCallStreamObserver<StreamingInputCallRequest>) async().withCompression("gzip")
                            .streamingInputCall(response);
            requests.setMessageCompression(true);
            requests.onNext(expectCompressed);
            requests.setMessageCompression(false);
            requests.onNext(StreamingInputCallRequest.newBuilder()
                    .setExpectCompressed(bool(false)).setPayload(zeros(45904)).build());
            requests.onCompleted();
            assertEquals(73086, await(response.done).get(0).getAggregatedPayloadSize());
        }

        @Test
        void server_compressed_streaming() {
            WireSizes sizes = new WireSizes();
            GrpcJava.Collector<StreamingOutputCallResponse> responses = new GrpcJava.Collector<>();
            async().withInterceptors(sizes.interceptor()).streamingOutputCall(StreamingOutputCallRequest.newBuilder()
                    .addResponseParameters(ResponseParameters.newBuilder().setCompressed(bool(true)).setSize(31415))
                    .addResponseParameters(ResponseParameters.newBuilder().setCompressed(bool(false)).setSize(92653))
                    .build(), responses);
            List<StreamingOutputCallResponse> received = await(responses.done);
            assertEquals(2, received.size());
            assertZeros(31415, received.get(0).getPayload());
            assertZeros(92653, received.get(1).getPayload());
            assertTrue(sizes.compressed(0, received.get(0)), "the first response arrived uncompressed");
            assertFalse(sizes.compressed(1, received.get(1)), "the second response arrived compressed");
        }

        @Test
        void client_streaming() {
            GrpcJava.Collector<StreamingInputCallResponse> response = new GrpcJava.Collector<>();
            StreamObserver<StreamingInputCallRequest> requests = async().streamingInputCall(response);
            for (int size : REQUEST_SIZES) {
                requests.onNext(StreamingInputCallRequest.newBuilder().setPayload(zeros(size)).build());
            }
            requests.onCompleted();
            assertEquals(74922, await(response.done).get(0).getAggregatedPayloadSize());
        }

        @Test
        void server_streaming() {
            StreamingOutputCallRequest.Builder req = StreamingOutputCallRequest.newBuilder();
            for (int size : RESPONSE_SIZES) {
                req.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
            }
            List<StreamingOutputCallResponse> responses = new ArrayList<>();
            blocking().streamingOutputCall(req.build()).forEachRemaining(responses::add);
            assertEquals(RESPONSE_SIZES.length, responses.size());
            for (int i = 0; i < RESPONSE_SIZES.length; i++) {
                assertZeros(RESPONSE_SIZES[i], responses.get(i).getPayload());
            }
        }

        @Test
        void ping_pong() throws InterruptedException {
            BlockingQueue<Object> received = new LinkedBlockingQueue<>();
            StreamObserver<StreamingOutputCallRequest> requests = async().fullDuplexCall(new StreamObserver<>() {
                @Override
                public void onNext(StreamingOutputCallResponse value) {
                    received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    received.add(t);
                }

                @Override
                public void onCompleted() {
                    received.add("completed");
                }
            });
            for (int i = 0; i < REQUEST_SIZES.length; i++) {
                requests.onNext(StreamingOutputCallRequest.newBuilder()
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(RESPONSE_SIZES[i]))
                        .setPayload(zeros(REQUEST_SIZES[i])).build());
                Object r = received.poll(GrpcJava.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertTrue(r instanceof StreamingOutputCallResponse, "response " + i + ": " + r);
                assertZeros(RESPONSE_SIZES[i], ((StreamingOutputCallResponse) r).getPayload());
            }
            requests.onCompleted();
            assertEquals("completed", received.poll(GrpcJava.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        }

        @Test
        void empty_stream() {
            GrpcJava.Collector<StreamingOutputCallResponse> responses = new GrpcJava.Collector<>();
            async().fullDuplexCall(responses).onCompleted();
            assertEquals(List.of(), await(responses.done));
        }

        @Test
        void custom_metadata() {
            byte[] trailing = {(byte) 0xab, (byte) 0xab, (byte) 0xab};
            Metadata sent = new Metadata();
            sent.put(ECHO_INITIAL, "test_initial_metadata_value");
            sent.put(ECHO_TRAILING, trailing);
            // Unary.
            AtomicReference<Metadata> headers = new AtomicReference<>();
            AtomicReference<Metadata> trailers = new AtomicReference<>();
            SimpleResponse r = blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
                            MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                    .unaryCall(SimpleRequest.newBuilder().setResponseSize(314159).setPayload(zeros(271828)).build());
            assertZeros(314159, r.getPayload());
            assertEquals("test_initial_metadata_value", headers.get().get(ECHO_INITIAL));
            assertArrayEquals(trailing, trailers.get().get(ECHO_TRAILING));
            // Full duplex.
            headers.set(null);
            trailers.set(null);
            GrpcJava.Collector<StreamingOutputCallResponse> responses = new GrpcJava.Collector<>();
            StreamObserver<StreamingOutputCallRequest> requests = async()
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
                            MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                    .fullDuplexCall(responses);
            requests.onNext(StreamingOutputCallRequest.newBuilder()
                    .addResponseParameters(ResponseParameters.newBuilder().setSize(314159))
                    .setPayload(zeros(271828)).build());
            requests.onCompleted();
            assertZeros(314159, await(responses.done).get(0).getPayload());
            assertEquals("test_initial_metadata_value", headers.get().get(ECHO_INITIAL));
            assertArrayEquals(trailing, trailers.get().get(ECHO_TRAILING));
        }

        private void statusCase(String message) {
            EchoStatus status = EchoStatus.newBuilder().setCode(2).setMessage(message).build();
            Status s = assertStatus(Status.Code.UNKNOWN, () -> blocking()
                    .unaryCall(SimpleRequest.newBuilder().setResponseStatus(status).build()));
            assertEquals(message, s.getDescription());
            GrpcJava.Collector<StreamingOutputCallResponse> responses = new GrpcJava.Collector<>();
            StreamObserver<StreamingOutputCallRequest> requests = async().fullDuplexCall(responses);
            requests.onNext(StreamingOutputCallRequest.newBuilder().setResponseStatus(status).build());
            requests.onCompleted();
            Status d = awaitFailure(responses.done);
            assertEquals(Status.Code.UNKNOWN, d.getCode());
            assertEquals(message, d.getDescription());
        }

        @Test
        void status_code_and_message() {
            statusCase("test status message");
        }

        @Test
        void special_status_message() {
            statusCase(InteropClient.SPECIAL_STATUS_MESSAGE);
        }

        @Test
        void unimplemented_method() {
            assertStatus(Status.Code.UNIMPLEMENTED, () -> blocking().unimplementedCall(Empty.getDefaultInstance()));
        }

        @Test
        void unimplemented_service() {
            assertStatus(Status.Code.UNIMPLEMENTED, () -> UnimplementedServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS).unimplementedCall(Empty.getDefaultInstance()));
        }

        @Test
        void cancel_after_begin() {
            GrpcJava.Collector<StreamingInputCallResponse> response = new GrpcJava.Collector<>();
            ClientCallStreamObserver<StreamingInputCallRequest> requests =
                    (ClientCallStreamObserver<StreamingInputCallRequest>) async().streamingInputCall(response);
            requests.cancel("cancel_after_begin", null);
            assertEquals(Status.Code.CANCELLED, awaitFailure(response.done).getCode());
        }

        @Test
        void cancel_after_first_response() throws InterruptedException {
            BlockingQueue<Object> received = new LinkedBlockingQueue<>();
            CompletableFuture<Status> closed = new CompletableFuture<>();
            ClientCallStreamObserver<StreamingOutputCallRequest> requests =
                    (ClientCallStreamObserver<StreamingOutputCallRequest>) async().fullDuplexCall(new StreamObserver<>() {
                        @Override
                        public void onNext(StreamingOutputCallResponse value) {
                            received.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            closed.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            closed.complete(Status.OK);
                        }
                    });
            requests.onNext(StreamingOutputCallRequest.newBuilder()
                    .addResponseParameters(ResponseParameters.newBuilder().setSize(31415))
                    .setPayload(zeros(27182)).build());
            Object first = received.poll(GrpcJava.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(first instanceof StreamingOutputCallResponse, "first response: " + first);
            assertZeros(31415, ((StreamingOutputCallResponse) first).getPayload());
            requests.cancel("cancel_after_first_response", null);
            assertEquals(Status.Code.CANCELLED, await(closed).getCode());
        }

        @Test
        void timeout_on_sleeping_server() {
            GrpcJava.Collector<StreamingOutputCallResponse> responses = new GrpcJava.Collector<>();
            StreamObserver<StreamingOutputCallRequest> requests = TestServiceGrpc.newStub(channel)
                    .withDeadlineAfter(1, TimeUnit.MILLISECONDS).fullDuplexCall(responses);
            try {
                requests.onNext(StreamingOutputCallRequest.newBuilder().setPayload(zeros(27182)).build());
            } catch (RuntimeException e) {
                // the call may already be over: that is the point
            }
            assertEquals(Status.Code.DEADLINE_EXCEEDED, awaitFailure(responses.done).getCode());
        }
    }

    // ---- (2) Skein's InteropClient over grpc:// -> grpc-java TestService server --------------------

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class SkeinClientAgainstGrpcJavaServer {

        private Server server;
        private ActorSystem<Void> client;
        private ClientChannel channel;
        private InteropClient interop;

        /** The grpc-java server (the TLS variants below start theirs with TLS). */
        Server startServer() throws IOException {
            return GrpcJavaTestService.start();
        }

        /** Extra client configuration and the target scheme (the TLS variants: skein.tls.client, grpcs). */
        String clientConfig() {
            return "";
        }

        String scheme() {
            return "grpc";
        }

        @BeforeAll
        void start() throws IOException {
            server = startServer();
            client = TestNodes.clientSystem("interop-grpc-client", "pekko.loglevel = WARNING\n" + clientConfig());
            channel = Targets.open(client, scheme() + "://127.0.0.1:" + server.getPort());
            interop = new InteropClient(client, channel, Duration.ofSeconds(20));
        }

        @AfterAll
        void stop() {
            try {
                if (channel != null) {
                    channel.closeAsync().toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
                }
                TestNodes.terminate(client);
            } finally {
                GrpcJava.close(server);
            }
        }

        Stream<String> cases() {
            return InteropClient.CASES.stream();
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void skeinInteropCasePassesAgainstGrpcJava(String testCase) {
            InteropClient.Result result = interop.run(testCase);
            assertTrue(result.passed(), result::toString);
        }
    }

    // ---- (3) both directions over TLS and mutual TLS, with a test CA made by the run ---------------

    /** The run's test CA (TEST-ONLY key material under target/, never committed) and its certificates. */
    static final class Pki {
        static final TestPki PKI = TestPki.create(java.nio.file.Path.of("target", "test-pki",
                "interop-" + java.util.UUID.randomUUID()));
        static final TestPki.Issued SERVER = PKI.server("server");
        static final TestPki.Issued CLIENT = PKI.client("interop-client");

        private Pki() {
        }

        /** A grpc-java TLS channel trusting the test CA, presenting the client certificate when {@code mutual}. */
        static ManagedChannel channel(java.net.InetSocketAddress address, boolean mutual) {
            try {
                var ssl = io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
                        .trustManager(PKI.caCertificate().toFile());
                if (mutual) {
                    ssl.keyManager(CLIENT.certificate().toFile(), CLIENT.privateKey().toFile());
                }
                return io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("localhost", address.getPort())
                        .sslContext(ssl.build()).build();
            } catch (javax.net.ssl.SSLException e) {
                throw new AssertionError(e);
            }
        }

        /** A grpc-java TLS server of the interop service, requiring a client certificate when {@code mutual}. */
        static Server server(boolean mutual) throws IOException {
            var ssl = io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forServer(SERVER.certificate().toFile(),
                    SERVER.privateKey().toFile()).trustManager(PKI.caCertificate().toFile())
                    .clientAuth(mutual ? io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.REQUIRE
                            : io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.NONE);
            return GrpcJavaTestService.start(ssl.build());
        }

        static String skeinServer(boolean mutual) {
            return PKI.hocon(SERVER, "required", mutual ? "require" : "none", null);
        }

        static String skeinClient(boolean mutual) {
            return PKI.hocon(SERVER, "off", "none", mutual ? CLIENT : null);
        }
    }

    @Nested
    class GrpcJavaClientOverTlsAgainstSkeinServer extends GrpcJavaClientAgainstSkeinServer {
        @Override
        String serverConfig() {
            return Pki.skeinServer(false);
        }

        @Override
        ManagedChannel openChannel(java.net.InetSocketAddress address) {
            return Pki.channel(address, false);
        }
    }

    @Nested
    class GrpcJavaClientOverMutualTlsAgainstSkeinServer extends GrpcJavaClientAgainstSkeinServer {
        @Override
        String serverConfig() {
            return Pki.skeinServer(true);
        }

        @Override
        ManagedChannel openChannel(java.net.InetSocketAddress address) {
            return Pki.channel(address, true);
        }
    }

    @Nested
    class SkeinClientOverTlsAgainstGrpcJavaServer extends SkeinClientAgainstGrpcJavaServer {
        @Override
        Server startServer() throws IOException {
            return Pki.server(false);
        }

        @Override
        String clientConfig() {
            return Pki.skeinClient(false);
        }

        @Override
        String scheme() {
            return "grpcs";
        }
    }

    @Nested
    class SkeinClientOverMutualTlsAgainstGrpcJavaServer extends SkeinClientAgainstGrpcJavaServer {
        @Override
        Server startServer() throws IOException {
            return Pki.server(true);
        }

        @Override
        String clientConfig() {
            return Pki.skeinClient(true);
        }

        @Override
        String scheme() {
            return "grpcs";
        }
    }
}
