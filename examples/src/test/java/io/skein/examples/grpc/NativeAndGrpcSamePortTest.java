package io.skein.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.Targets;
import io.skein.examples.echo.EchoGrpc;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.testing.Calls;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.transport.ClientChannel;
import io.skein.transport.EndpointChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One node, one port, three kinds of client at the same time: Skein's native {@code skein://}, grpc-java,
 * and Skein's own {@code grpc://}. The server tells them apart by their first bytes; every call succeeds.
 */
class NativeAndGrpcSamePortTest {

    static final int CALLS = 200;

    private static SkeinNode node;
    private static ActorSystem<Void> client;
    private static ClientChannel nativeChannel;
    private static ClientChannel grpcChannel;
    private static ManagedChannel grpcJava;

    @BeforeAll
    static void start() {
        node = TestNodes.echoNode("pekko.loglevel = WARNING\n");
        client = TestNodes.clientSystem("same-port-client", "pekko.loglevel = WARNING");
        nativeChannel = EndpointChannel.create(client, node.address());
        grpcChannel = Targets.open(client, "grpc://127.0.0.1:" + node.address().getPort());
        grpcJava = GrpcJava.channel(node.address());
    }

    @AfterAll
    static void stop() {
        try {
            GrpcJava.close(grpcJava);
            for (ClientChannel c : new ClientChannel[] {nativeChannel, grpcChannel}) {
                if (c != null) {
                    c.closeAsync().toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
                }
            }
        } finally {
            try {
                TestNodes.terminate(client);
            } finally {
                TestNodes.close(node);
            }
        }
    }

    @Test
    void nativeGrpcJavaAndSkeinGrpcClientsShareThePort() {
        Materializer mat = Materializer.matFromSystem(client);
        ServiceClient nativeEcho = ServiceClient.create(client, nativeChannel, TestNodes.ECHO);
        ServiceClient grpcEcho = ServiceClient.create(client, grpcChannel, TestNodes.ECHO);
        EchoGrpc.EchoFutureStub javaEcho = EchoGrpc.newFutureStub(grpcJava);

        List<CompletableFuture<String>> unary = new ArrayList<>();
        List<CompletionStage<List<EchoReply>>> streams = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            EchoRequest n = EchoRequest.newBuilder().setMessage("native-" + i).build();
            EchoRequest g = EchoRequest.newBuilder().setMessage("grpc-" + i).build();
            EchoRequest j = EchoRequest.newBuilder().setMessage("grpc-java-" + i).build();
            unary.add(nativeEcho.unary("Say", EchoRequest.class, EchoReply.class).call(n)
                    .thenApply(EchoReply::getMessage).toCompletableFuture());
            unary.add(grpcEcho.unary("Say", EchoRequest.class, EchoReply.class).call(g)
                    .thenApply(EchoReply::getMessage).toCompletableFuture());
            unary.add(toCompletable(javaEcho.say(j)).thenApply(EchoReply::getMessage));
            if (i % 20 == 0) {
                RepeatRequest r = RepeatRequest.newBuilder().setCount(50).setPayloadSize(512).build();
                streams.add(nativeEcho.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class).call(r)
                        .runWith(Sink.seq(), mat));
                streams.add(grpcEcho.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class).call(r)
                        .runWith(Sink.seq(), mat));
                streams.add(Source.range(1, 50).map(k -> EchoRequest.newBuilder().setMessage("c" + k).build())
                        .via(grpcEcho.bidiStreaming("Chat", EchoRequest.class, EchoReply.class).call())
                        .runWith(Sink.seq(), mat));
                GrpcJava.Collector<EchoReply> collector = new GrpcJava.Collector<>();
                EchoGrpc.newStub(grpcJava).repeat(r, collector);
                streams.add(collector.done);
            }
        }
        Duration bound = Duration.ofSeconds(60);
        for (int i = 0; i < CALLS; i++) {
            assertEquals("native-" + i, Calls.await(unary.get(3 * i), bound));
            assertEquals("grpc-" + i, Calls.await(unary.get(3 * i + 1), bound));
            assertEquals("grpc-java-" + i, Calls.await(unary.get(3 * i + 2), bound));
        }
        for (CompletionStage<List<EchoReply>> s : streams) {
            List<EchoReply> replies = Calls.await(s, bound);
            assertEquals(50, replies.size());
            for (int k = 0; k < replies.size(); k++) {
                assertEquals(k, replies.get(k).getSeq());
            }
        }
        assertTrue(streams.size() >= 40);
    }

    private static <T> CompletableFuture<T> toCompletable(ListenableFuture<T> f) {
        CompletableFuture<T> c = new CompletableFuture<>();
        f.addListener(() -> {
            try {
                c.complete(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                c.completeExceptionally(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.completeExceptionally(e);
            }
        }, Runnable::run);
        return c;
    }
}
