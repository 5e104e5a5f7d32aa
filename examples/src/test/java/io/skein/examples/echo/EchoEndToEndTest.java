package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.skein.actors.client.BidiStreamingMethod;
import io.skein.actors.client.ClientStreamingMethod;
import io.skein.actors.client.ServerStreamingMethod;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.testing.ProbeService;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real Echo actor served by a real node, called over loopback through typed {@link ServiceClient} handles. */
class EchoEndToEndTest {

    private static SkeinNode server;
    private static ProbeService probe;
    private static SkeinNode probeServer;
    private static ActorSystem<Void> client;
    private static ServiceClient echo;
    private static Materializer mat;

    @BeforeAll
    static void start() {
        server = TestNodes.echoNode();
        probe = new ProbeService();
        probeServer = TestNodes.node(probe.definition(), "");
        // One connection per endpoint: every call of this class is multiplexed on a single socket.
        client = TestNodes.clientSystem("echo-client", "skein.client.connections-per-endpoint = 1");
        echo = TestNodes.echoClient(client, server);
        mat = Materializer.matFromSystem(client);
    }

    @AfterAll
    static void stop() {
        try {
            TestNodes.terminate(client);
        } finally {
            try {
                TestNodes.close(server);
            } finally {
                TestNodes.close(probeServer);
            }
        }
    }

    @Test
    void unarySayEchoesMessageAndPayloadAndNamesTheServingNode() {
        UnaryMethod<EchoRequest, EchoReply> say = echo.unary("Say", EchoRequest.class, EchoReply.class);
        ByteString payload = ByteString.copyFrom(new byte[] {0, 1, 2, (byte) 0xff, 127, -128});
        EchoReply reply = await(say.call(EchoRequest.newBuilder().setMessage("hello").setPayload(payload).build()));
        assertEquals("hello", reply.getMessage());
        assertEquals(payload, reply.getPayload());
        assertEquals(0, reply.getSeq());
        assertEquals(server.nodeId(), reply.getServedBy());
        assertEquals("127.0.0.1:" + server.address().getPort(), reply.getServedBy());
    }

    @Test
    void unarySayFailsWithTheRequestedStatus() {
        UnaryMethod<EchoRequest, EchoReply> say = echo.unary("Say", EchoRequest.class, EchoReply.class);
        StatusException e = assertFails(StatusCode.NOT_FOUND,
                say.call(EchoRequest.newBuilder().setMessage("no such thing").setFailWith(5).build()));
        assertEquals("no such thing", e.status().message());
        // The connection and the service are still fine.
        assertEquals("after", await(say.call(EchoRequest.newBuilder().setMessage("after").build())).getMessage());
    }

    @Test
    void serverStreamingRepeatSendsCountRepliesInOrder() {
        ServerStreamingMethod<RepeatRequest, EchoReply> repeat =
                echo.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class);
        List<EchoReply> replies = await(repeat
                .call(RepeatRequest.newBuilder().setMessage("tick").setCount(7).setPayloadSize(100).build())
                .runWith(Sink.seq(), mat));
        assertEquals(7, replies.size());
        for (int i = 0; i < replies.size(); i++) {
            EchoReply r = replies.get(i);
            assertEquals(i, r.getSeq());
            assertEquals("tick", r.getMessage());
            assertEquals(ByteString.copyFrom(new byte[100]), r.getPayload());
            assertEquals(server.nodeId(), r.getServedBy());
        }
    }

    @Test
    void serverStreamingLongerThanTheCreditWindowCompletes() {
        // 500 messages needs many credit grants (window 32): a lost grant would hang here.
        ServerStreamingMethod<RepeatRequest, EchoReply> repeat =
                echo.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class);
        List<EchoReply> replies = await(repeat.call(RepeatRequest.newBuilder().setCount(500).build())
                .runWith(Sink.seq(), mat));
        assertEquals(500, replies.size());
        assertEquals(seqs(500), replies.stream().map(EchoReply::getSeq).toList());
    }

    @Test
    void clientStreamingCollectJoinsEveryRequest() {
        ClientStreamingMethod<EchoRequest, EchoReply> collect =
                echo.clientStreaming("Collect", EchoRequest.class, EchoReply.class);
        EchoReply reply = await(collect.call(Source.from(List.of("a", "b", "c"))
                .map(m -> EchoRequest.newBuilder().setMessage(m).build())));
        assertEquals("a,b,c", reply.getMessage());
        assertEquals(3, reply.getSeq());
        assertEquals(server.nodeId(), reply.getServedBy());

        // Many more requests than the credit window.
        List<String> words = IntStream.range(0, 200).mapToObj(i -> "w" + i).toList();
        EchoReply many = await(collect.call(Source.from(words).map(m -> EchoRequest.newBuilder().setMessage(m).build())));
        assertEquals(String.join(",", words), many.getMessage());
        assertEquals(200, many.getSeq());

        EchoReply none = await(collect.call(Source.empty()));
        assertEquals("", none.getMessage());
        assertEquals(0, none.getSeq());
    }

    @Test
    void bidiStreamingChatAnswersEachRequestInOrder() {
        BidiStreamingMethod<EchoRequest, EchoReply> chat = echo.bidiStreaming("Chat", EchoRequest.class, EchoReply.class);
        List<EchoRequest> requests = IntStream.range(0, 100)
                .mapToObj(i -> EchoRequest.newBuilder().setMessage("m" + i)
                        .setPayload(ByteString.copyFrom(ByteBuffer.allocate(4).putInt(i).array())).build())
                .toList();
        List<EchoReply> replies = await(Source.from(requests).via(chat.call()).runWith(Sink.seq(), mat));
        assertEquals(requests.size(), replies.size());
        for (int i = 0; i < requests.size(); i++) {
            assertEquals(i, replies.get(i).getSeq());
            assertEquals(requests.get(i).getMessage(), replies.get(i).getMessage());
            assertEquals(requests.get(i).getPayload(), replies.get(i).getPayload());
            assertEquals(server.nodeId(), replies.get(i).getServedBy());
        }
    }

    @Test
    void thousandConcurrentUnaryCallsOnOneConnectionEachGetTheirOwnReply() throws Exception {
        UnaryMethod<EchoRequest, EchoReply> say = echo.unary("Say", EchoRequest.class, EchoReply.class);
        int n = 1000;
        List<EchoRequest> requests = new ArrayList<>(n);
        List<CompletableFuture<EchoReply>> replies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // Varied delays make the server answer out of order, so replies must be matched by stream id.
            EchoRequest req = EchoRequest.newBuilder()
                    .setMessage("call-" + i)
                    .setPayload(ByteString.copyFrom(ByteBuffer.allocate(8).putInt(i).putInt(~i).array()))
                    .setDelayMs(i % 5 == 0 ? 0 : (i * 7) % 40)
                    .build();
            requests.add(req);
            replies.add(say.call(req).toCompletableFuture());
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (int i = 0; i < n; i++) {
            EchoReply r = replies.get(i).join();
            assertEquals(requests.get(i).getMessage(), r.getMessage(), "reply " + i);
            assertEquals(requests.get(i).getPayload(), r.getPayload(), "payload " + i);
            assertEquals(server.nodeId(), r.getServedBy());
        }
        assertTrue(replies.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
    }

    @Test
    void thousandConcurrentCallsReallyShareOneConnection() throws Exception {
        // The probe records each call's peer address: one client port means one connection.
        UnaryMethod<EchoRequest, EchoReply> say = TestNodes.echoClient(client, probeServer)
                .unary("Say", EchoRequest.class, EchoReply.class);
        List<CompletableFuture<EchoReply>> replies = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            replies.add(say.call(EchoRequest.newBuilder().setMessage("p" + i).setDelayMs(i % 3 == 0 ? 0 : i % 20)
                    .build()).toCompletableFuture());
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (int i = 0; i < replies.size(); i++) {
            assertEquals("p" + i, replies.get(i).join().getMessage());
        }
        java.util.Set<Object> peers = new java.util.HashSet<>();
        probe.calls.forEach(ctx -> peers.add(ctx.peer().orElseThrow()));
        assertEquals(1000, probe.calls.size());
        assertEquals(1, peers.size(), "calls came over several connections: " + peers);
    }

    @Test
    void unknownMethodOfAKnownServiceIsUnimplemented() {
        // A raw descriptor of a method the server does not serve.
        var nope = new io.skein.transport.MethodDescriptor<>(
                "skein.examples.echo.Echo/Nope", io.skein.protocols.CallKind.UNARY,
                echo.descriptor("Say").requests(), echo.descriptor("Say").responses());
        assertFails(StatusCode.UNIMPLEMENTED, echo.channel().unary(nope,
                EchoRequest.newBuilder().setMessage("x").build(), io.skein.transport.CallOptions.DEFAULT),
                Duration.ofSeconds(5));
    }

    private static List<Long> seqs(int n) {
        return java.util.stream.LongStream.range(0, n).boxed().toList();
    }
}
