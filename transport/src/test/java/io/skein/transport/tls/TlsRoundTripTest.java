package io.skein.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.EndpointChannel;
import io.skein.transport.RpcServer;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestPki;
import io.skein.transport.testing.TestServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every call kind over TLS, natively and over gRPC, on a port that requires TLS and asks for client
 * certificates (optional): the service sees the TLS session and, under mutual TLS, the client's
 * verified identity; TLS 1.2 and 1.3 both work; ALPN picks the protocol a client asked for.
 */
class TlsRoundTripTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static ActorTestKit testKit;
    private static RpcServer server;
    private static TestPki pki;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("TlsRoundTripTest", Servers.config(""));
        pki = TestPki.create(dir);
        TlsSettings.Server tls = pki.serverSettings(pki.server("server"), TlsSettings.Mode.REQUIRED,
                TlsSettings.ClientAuth.OPTIONAL);
        server = TlsWho.start(testKit.system(), tls, t -> t.protocol() + " " + t.applicationProtocol() + " "
                + t.commonName().orElse("anonymous") + " " + t.uris());
    }

    @AfterAll
    static void stop() {
        Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        testKit.shutdownTestKit();
    }

    private static EndpointChannel channel(String protocol, TlsSettings.Client tls) {
        return TlsWho.channel(testKit.system(), server, protocol, tls);
    }

    private static String who(EndpointChannel channel) {
        return TlsWho.who(channel);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void everyCallKindWorksOverTls(String protocol) {
        try (EndpointChannel channel = channel(protocol, pki.clientSettings())) {
            assertEquals(protocol + "s", channel.protocol());
            assertEquals("hi", Await.result(channel.unary(TestServices.method(TestServices.ECHO, CallKind.UNARY), "hi",
                    CallOptions.DEFAULT), LIMIT));
            assertEquals(List.of("a-0", "a-1", "a-2"), Await.result(Source.single("a")
                    .via(channel.stream(TestServices.method(TestServices.EXPAND, CallKind.SERVER_STREAMING), CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system()), LIMIT));
            assertEquals(List.of("1,2,3"), Await.result(Source.from(List.of("1", "2", "3"))
                    .via(channel.stream(TestServices.method(TestServices.COLLECT, CallKind.CLIENT_STREAMING), CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system()), LIMIT));
            assertEquals(List.of("x", "y"), Await.result(Source.from(List.of("x", "y"))
                    .via(channel.stream(TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING), CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system()), LIMIT));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void theServiceSeesTheClientCertificateIdentityUnderMutualTls(String protocol) {
        try (EndpointChannel channel = channel(protocol, pki.clientSettings(pki.client("alice")))) {
            String alpn = protocol.equals("grpc") ? "h2" : "skein";
            assertEquals("TLSv1.3 " + alpn + " alice [spiffe://skein.test/alice]", who(channel));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void aClientWithoutCertificateIsAnonymousWhenClientCertificatesAreOptional(String protocol) {
        try (EndpointChannel channel = channel(protocol, pki.clientSettings())) {
            String alpn = protocol.equals("grpc") ? "h2" : "skein";
            assertEquals("TLSv1.3 " + alpn + " anonymous []", who(channel));
        }
    }

    @Test
    void tls12IsAcceptedWhenTheClientOffersOnlyIt() {
        TlsSettings.Client base = pki.clientSettings(pki.client("bob"));
        TlsSettings.Common c = base.common();
        TlsSettings.Client tls12 = base.withCommon(c.with(c.revoked(), List.of("TLSv1.2"), c.provider(),
                c.handshakeTimeout(), c.reloadInterval()));
        try (EndpointChannel channel = channel("skein", tls12)) {
            assertTrue(who(channel).startsWith("TLSv1.2 skein bob"), who(channel));
        }
    }
}
