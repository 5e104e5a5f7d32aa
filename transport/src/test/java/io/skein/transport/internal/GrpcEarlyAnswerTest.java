package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.protocols.CallKind;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.connection.ConnectionActor;
import io.skein.transport.internal.connection.ServerChannels;
import io.skein.transport.internal.testing.AcceptedChannels;
import io.skein.transport.EndpointChannel;
import io.skein.transport.RpcServer;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;

/**
 * A gRPC call the server answers completely while the client's request side is still open: the server
 * then asks the client to stop sending with RST_STREAM(NO_ERROR) (RFC 9113 §8.1). Fix: the reset used
 * to be written right behind the trailers, and Netty drops the flow-controlled DATA and trailers still
 * queued when a stream is reset, so an answer bigger than the HTTP/2 window reached the client cut
 * short and the call failed INTERNAL "stream reset by server (NO_ERROR)" (seen as a flaky interop
 * server_streaming case). The reset now waits until the trailers are written.
 */
class GrpcEarlyAnswerTest {

    private static final String ANSWER = "test.Early/Answer";
    private static final String BIG = String.join("", Collections.nCopies(40 * 1024, "x"));

    private static ActorTestKit testKit;
    private static RpcServer server;
    private static EndpointChannel grpc;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("GrpcEarlyAnswerTest", Servers.config(""));
        // Four 40 KiB messages: more than the 64 KiB initial HTTP/2 window, so the answer's end sits in
        // Netty's flow controller when the call completes; the requests are never read.
        MethodRegistry registry = TestServices.builder()
                .bidi(ANSWER, (requests, ctx) -> Source.repeat(BIG).take(4))
                .build();
        server = Servers.start(testKit.system(), registry);
        grpc = EndpointChannel.grpc(testKit.system(), server.localAddress());
    }

    @AfterAll
    static void stop() {
        grpc.close();
        Await.result(server.shutdown(Duration.ofMillis(100)), Servers.TIMEOUT);
        testKit.shutdownTestKit();
    }

    @RepeatedTest(5)
    void aWholeAnswerArrivesWhenTheServerEndsTheCallBeforeTheRequestEnds() {
        List<String> replies = Await.result(Source.<String>maybe()
                .via(grpc.stream(TestServices.method(ANSWER, CallKind.BIDI_STREAMING), CallOptions.DEFAULT))
                .runWith(Sink.seq(), testKit.system()), Servers.TIMEOUT);
        assertEquals(4, replies.size());
        replies.forEach(r -> assertEquals(BIG.length(), r.length()));
    }
}
