package io.skein.benchmarks;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.skein.examples.echo.EchoGrpc;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Echo service ({@code echo.proto}) served by plain grpc-java 1.85.1, written as grpc-java users
 * write it: {@code NettyServerBuilder.forAddress(...)}, the default executor, an {@code EchoImplBase}.
 * It is the reference {@code benchmarks/compare.sh} measures Skein against. {@code Say} echoes message and
 * payload with {@code served_by = "grpc-java"}; {@code Chat} answers each request in order with
 * {@code seq} = its index. Prints {@code listening on HOST:PORT}; stops on SIGTERM (a JVM shutdown hook).
 *
 * <pre>java -cp benchmarks/target/skein-benchmarks.jar io.skein.benchmarks.GrpcJavaEchoServer --port 50051 [--host 127.0.0.1]</pre>
 */
public final class GrpcJavaEchoServer {

    static final String SERVED_BY = "grpc-java";

    private GrpcJavaEchoServer() {
    }

    /** The Echo implementation. */
    static final class EchoImpl extends EchoGrpc.EchoImplBase {
        @Override
        public void say(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
            responseObserver.onNext(EchoReply.newBuilder()
                    .setMessage(request.getMessage())
                    .setPayload(request.getPayload())
                    .setServedBy(SERVED_BY)
                    .build());
            responseObserver.onCompleted();
        }

        @Override
        public StreamObserver<EchoRequest> chat(StreamObserver<EchoReply> responseObserver) {
            return new StreamObserver<>() {
                private long seq;

                @Override
                public void onNext(EchoRequest request) {
                    responseObserver.onNext(EchoReply.newBuilder()
                            .setMessage(request.getMessage())
                            .setPayload(request.getPayload())
                            .setSeq(seq++)
                            .setServedBy(SERVED_BY)
                            .build());
                }

                @Override
                public void onError(Throwable t) {
                    // The client cancelled or the connection broke: nothing more to send.
                }

                @Override
                public void onCompleted() {
                    responseObserver.onCompleted();
                }
            };
        }
    }

    public static void main(String[] args) throws Exception {
        int port = 50051;
        String host = "0.0.0.0";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--port" -> port = Integer.parseInt(value != null ? value : args[++i]);
                case "--host" -> host = value != null ? value : args[++i];
                case "--help", "-h" -> {
                    System.out.println("usage: java -cp skein-benchmarks.jar io.skein.benchmarks.GrpcJavaEchoServer"
                            + " [--port N] [--host H]");
                    return;
                }
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .addService(new EchoImpl())
                .build()
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            try {
                if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                }
            } catch (InterruptedException e) {
                server.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }, "grpc-java-echo-shutdown"));
        InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
        System.out.println("listening on " + host + ":" + bound.getPort());
        System.out.flush();
        server.awaitTermination();
    }
}
