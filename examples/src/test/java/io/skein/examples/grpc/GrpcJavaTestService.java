package io.skein.examples.grpc;

import static io.skein.examples.grpc.GrpcJavaInteropTest.ECHO_INITIAL;
import static io.skein.examples.grpc.GrpcJavaInteropTest.ECHO_TRAILING;
import static io.skein.examples.grpc.GrpcJavaInteropTest.zeros;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.skein.examples.grpc.testing.EchoStatus;
import io.skein.examples.grpc.testing.Empty;
import io.skein.examples.grpc.testing.ResponseParameters;
import io.skein.examples.grpc.testing.SimpleRequest;
import io.skein.examples.grpc.testing.SimpleResponse;
import io.skein.examples.grpc.testing.StreamingInputCallRequest;
import io.skein.examples.grpc.testing.StreamingInputCallResponse;
import io.skein.examples.grpc.testing.StreamingOutputCallRequest;
import io.skein.examples.grpc.testing.StreamingOutputCallResponse;
import io.skein.examples.grpc.testing.TestServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * grpc.testing.TestService as grpc-java's own interop server implements it (intervals ignored), with the
 * server features of gRPC's compression cases that grpc-java's interop server leaves to others:
 * CompressedResponse ({@code response_compressed}; {@code ResponseParameters.compressed} with
 * {@code setMessageCompression}, as gRPC's C++ server does) and CompressedRequest
 * ({@code expect_compressed}, seen through {@link WireSizes}, since grpc-java's API does not tell).
 */
final class GrpcJavaTestService extends TestServiceGrpc.TestServiceImplBase {

    /** A plaintext grpc-java server of this service on an ephemeral loopback port, echoing metadata. */
    static Server start() throws IOException {
        return start(null);
    }

    /** The same server over TLS with {@code ssl} (grpc-java's shaded Netty context), or plaintext when null. */
    static Server start(io.grpc.netty.shaded.io.netty.handler.ssl.SslContext ssl) throws IOException {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        return builder
                .addService(ServerInterceptors.intercept(new GrpcJavaTestService(), ECHO_METADATA))
                .addStreamTracerFactory(WireSizes.SERVER)
                .build()
                .start();
    }

    @Override
    public void emptyCall(Empty request, StreamObserver<Empty> response) {
        response.onNext(Empty.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void unaryCall(SimpleRequest request, StreamObserver<SimpleResponse> response) {
        ServerCallStreamObserver<SimpleResponse> call = (ServerCallStreamObserver<SimpleResponse>) response;
        if (request.hasResponseCompressed()) {
            call.setCompression(request.getResponseCompressed().getValue() ? "gzip" : "identity");
        }
        if (request.getExpectCompressed().getValue() && !WireSizes.current().compressed(0, request)) {
            response.onError(uncompressed());
            return;
        }
        if (request.hasResponseStatus() && request.getResponseStatus().getCode() != 0) {
            response.onError(status(request.getResponseStatus()));
            return;
        }
        response.onNext(SimpleResponse.newBuilder().setPayload(zeros(request.getResponseSize())).build());
        response.onCompleted();
    }

    @Override
    public void streamingOutputCall(StreamingOutputCallRequest request,
                                    StreamObserver<StreamingOutputCallResponse> response) {
        ServerCallStreamObserver<StreamingOutputCallResponse> call =
                (ServerCallStreamObserver<StreamingOutputCallResponse>) response;
        if (request.getResponseParametersList().stream().anyMatch(ResponseParameters::hasCompressed)) {
            call.setCompression("gzip");
        }
        for (ResponseParameters p : request.getResponseParametersList()) {
            call.setMessageCompression(!p.hasCompressed() || p.getCompressed().getValue());
            response.onNext(StreamingOutputCallResponse.newBuilder().setPayload(zeros(p.getSize())).build());
        }
        if (request.hasResponseStatus() && request.getResponseStatus().getCode() != 0) {
            response.onError(status(request.getResponseStatus()));
            return;
        }
        response.onCompleted();
    }

    @Override
    public StreamObserver<StreamingInputCallRequest> streamingInputCall(
            StreamObserver<StreamingInputCallResponse> response) {
        WireSizes sizes = WireSizes.current();
        return new StreamObserver<>() {
            private int received;
            private int sum;
            private boolean failed;

            @Override
            public void onNext(StreamingInputCallRequest value) {
                int seqNo = received++;
                if (failed) {
                    return;
                }
                if (value.getExpectCompressed().getValue() && !sizes.compressed(seqNo, value)) {
                    failed = true;
                    response.onError(uncompressed());
                    return;
                }
                sum += value.getPayload().getBody().size();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    response.onNext(StreamingInputCallResponse.newBuilder().setAggregatedPayloadSize(sum).build());
                    response.onCompleted();
                }
            }
        };
    }

    @Override
    public StreamObserver<StreamingOutputCallRequest> fullDuplexCall(
            StreamObserver<StreamingOutputCallResponse> response) {
        return new StreamObserver<>() {
            private boolean failed;

            @Override
            public void onNext(StreamingOutputCallRequest value) {
                if (failed) {
                    return;
                }
                if (value.hasResponseStatus() && value.getResponseStatus().getCode() != 0) {
                    failed = true;
                    response.onError(status(value.getResponseStatus()));
                    return;
                }
                for (ResponseParameters p : value.getResponseParametersList()) {
                    response.onNext(StreamingOutputCallResponse.newBuilder().setPayload(zeros(p.getSize())).build());
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    response.onCompleted();
                }
            }
        };
    }

    @Override
    public StreamObserver<StreamingOutputCallRequest> halfDuplexCall(
            StreamObserver<StreamingOutputCallResponse> response) {
        List<StreamingOutputCallRequest> all = new ArrayList<>();
        return new StreamObserver<>() {
            @Override
            public void onNext(StreamingOutputCallRequest value) {
                all.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                for (StreamingOutputCallRequest r : all) {
                    for (ResponseParameters p : r.getResponseParametersList()) {
                        response.onNext(StreamingOutputCallResponse.newBuilder().setPayload(zeros(p.getSize()))
                                .build());
                    }
                }
                response.onCompleted();
            }
        };
    }

    private static RuntimeException status(EchoStatus s) {
        return Status.fromCodeValue(s.getCode()).withDescription(s.getMessage()).asRuntimeException();
    }

    private static RuntimeException uncompressed() {
        return Status.INVALID_ARGUMENT.withDescription("expect_compressed is set but the request arrived uncompressed")
                .asRuntimeException();
    }

    /** Echoes x-grpc-test-echo-initial in the response headers and x-grpc-test-echo-trailing-bin in the trailers. */
    static final ServerInterceptor ECHO_METADATA = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            String initial = headers.get(ECHO_INITIAL);
            byte[] trailing = headers.get(ECHO_TRAILING);
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    if (initial != null) {
                        responseHeaders.put(ECHO_INITIAL, initial);
                    }
                    super.sendHeaders(responseHeaders);
                }

                @Override
                public void close(Status status, Metadata responseTrailers) {
                    if (trailing != null) {
                        responseTrailers.put(ECHO_TRAILING, trailing);
                    }
                    super.close(status, responseTrailers);
                }
            }, headers);
        }
    };
}
