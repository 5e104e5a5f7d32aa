package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.skein.protocols.CallKind;
import io.skein.testing.Await;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;

/** {@code skein.transport.prefer-native = false}: the same server and client over Java NIO. */
class NioFallbackTest {

    @Test
    void servesOverNio() {
        ActorTestKit testKit = ActorTestKit.create("NioFallbackTest", Servers.config("skein.transport.prefer-native = false"));
        try {
            assertEquals(NioServerSocketChannel.class, NettyResources.get(testKit.system()).serverChannelClass());
            RpcServer server = Servers.start(testKit.system(), TestServices.echo().build());
            try (EndpointChannel channel = EndpointChannel.create(testKit.system(), server.localAddress())) {
                assertEquals("nio", Await.result(channel.unary(TestServices.method(TestServices.ECHO, CallKind.UNARY),
                        "nio", CallOptions.DEFAULT), Servers.TIMEOUT));
                List<String> echoed = Await.result(Source.from(List.of("a", "b"))
                        .via(channel.stream(TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING),
                                CallOptions.DEFAULT))
                        .runWith(Sink.seq(), testKit.system()), Servers.TIMEOUT);
                assertEquals(List.of("a", "b"), echoed);
            }
            Await.result(server.shutdown(Duration.ofMillis(100)), Servers.TIMEOUT);
        } finally {
            testKit.shutdownTestKit();
        }
    }
}
