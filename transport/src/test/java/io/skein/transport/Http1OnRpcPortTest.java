package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.testing.Await;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Plain HTTP/1.1 on an RPC port is answered with a short HTTP error naming the protocols the port speaks. */
class Http1OnRpcPortTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final MethodDescriptor<String, String> ECHO = TestServices.method(TestServices.ECHO, CallKind.UNARY);

    private static ActorTestKit testKit;
    private static RpcServer server;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("Http1OnRpcPortTest", Servers.config(""));
        server = Servers.start(testKit.system(), TestServices.echo().build());
    }

    @AfterAll
    static void stop() {
        try {
            Await.result(server.shutdown(Duration.ofMillis(100)), Servers.TIMEOUT);
        } finally {
            testKit.shutdownTestKit();
        }
    }

    /** Sends {@code request} on a fresh connection and reads until the server closes it. */
    private static String exchange(String request) throws IOException {
        InetSocketAddress address = server.localAddress();
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout((int) LIMIT.toMillis()); // a hang fails the read instead of the build
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) {
                answer.write(buf, 0, n);
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aGetIsAnsweredWith505NamingTheProtocolsThenClosed() throws IOException {
        String answer = exchange("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n"), answer);
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertTrue(body.contains("TTHeader") && body.contains("gRPC (HTTP/2"), body);
        assertEquals(1, body.lines().count(), body);
        assertTrue(answer.contains("Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"), answer);
    }

    @Test
    void aPostWithABodyGetsTheSameAnswerAndTheServerGoesOnServingRpc() throws IOException {
        String answer = exchange("POST /skein.examples.echo.Echo/Say HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        assertTrue(answer.startsWith("HTTP/1.1 505 "), answer);
        EndpointChannel channel = EndpointChannel.create(testKit.system(), server.localAddress());
        try {
            assertEquals("still here", Await.result(channel.unary(ECHO, "still here", CallOptions.DEFAULT), LIMIT));
        } finally {
            Await.result(channel.closeAsync(), LIMIT);
        }
    }
}
