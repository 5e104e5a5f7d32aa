package io.skein.transport.tls;

import io.skein.protocols.CallKind;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.EndpointChannel;
import io.skein.transport.RpcServer;
import io.skein.transport.ServerOptions;
import io.skein.transport.testing.TestServices;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A TLS test server of {@link TestServices#echo()} plus {@code test.Tls/Who}, which answers how the call
 * arrived ("plaintext", or what {@code describe} makes of its {@link TlsPeer}), and the channels that ask it.
 */
final class TlsWho {

    static final String WHO = "test.Tls/Who";
    static final Duration LIMIT = Duration.ofSeconds(10);

    private TlsWho() {
    }

    /** Starts the server on a free loopback port with {@code tls}. */
    static RpcServer start(org.apache.pekko.actor.typed.ActorSystem<?> system, TlsSettings.Server tls,
                           Function<TlsPeer, String> describe) {
        return Await.result(RpcServer.start(system, new InetSocketAddress("127.0.0.1", 0),
                TestServices.echo()
                        .unary(WHO, (req, ctx) -> CompletableFuture.completedFuture(ctx.tls().map(describe)
                                .orElse("plaintext")))
                        .build(),
                ServerOptions.builder().tls(tls).build()), LIMIT);
    }

    /** A native ({@code skein}) or gRPC ({@code grpc}) channel over TLS to {@code server}. */
    static EndpointChannel channel(org.apache.pekko.actor.typed.ActorSystem<?> system, RpcServer server,
                                   String protocol, TlsSettings.Client tls) {
        return protocol.equals("grpc") ? EndpointChannel.grpc(system, server.localAddress(), tls)
                : EndpointChannel.create(system, server.localAddress(), tls);
    }

    /** What the server says of a Who call over {@code channel}. */
    static String who(EndpointChannel channel) {
        return Await.result(channel.unary(TestServices.method(WHO, CallKind.UNARY), "", CallOptions.DEFAULT), LIMIT);
    }
}
