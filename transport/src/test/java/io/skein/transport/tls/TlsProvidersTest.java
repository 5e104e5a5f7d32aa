package io.skein.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.OpenSsl;
import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The two TLS providers against each other: a server on BoringSSL ({@code provider = openssl},
 * netty-tcnative-boringssl-static) serving clients on BoringSSL and on the JDK, natively and over gRPC,
 * TLS 1.3 and 1.2, with the client's certificate identity, ALPN and the configured revocation working
 * the same as on the JDK provider (which the other TLS tests use).
 */
class TlsProvidersTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static ActorTestKit testKit;
    private static RpcServer server;
    private static TestPki pki;
    private static TestPki.Issued revoked;

    static TlsSettings.Common on(TlsSettings.Common c, TlsSettings.Provider provider, List<String> protocols,
                                 List<String> revocations) {
        return c.with(revocations, protocols, provider, c.handshakeTimeout(), c.reloadInterval());
    }

    @BeforeAll
    static void start() {
        assertTrue(OpenSsl.isAvailable(), () -> "BoringSSL does not load here: " + OpenSsl.unavailabilityCause());
        testKit = ActorTestKit.create("TlsProvidersTest", Servers.config(""));
        pki = TestPki.create(dir);
        revoked = pki.client("revoked-client");
        TlsSettings.Server tls = pki.serverSettings(pki.server("server"), TlsSettings.Mode.REQUIRED,
                TlsSettings.ClientAuth.OPTIONAL);
        tls = tls.withCommon(on(tls.common(), TlsSettings.Provider.OPENSSL, tls.common().protocols(),
                List.of("serial:" + revoked.serialHex())));
        server = TlsWho.start(testKit.system(), tls, t -> t.protocol() + " " + t.applicationProtocol() + " "
                + t.commonName().orElse("anonymous"));
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

    @ParameterizedTest(name = "{0} client, {1}, {2}")
    @CsvSource({
            "OPENSSL, skein, TLSv1.3", "OPENSSL, grpc, TLSv1.3", "OPENSSL, skein, TLSv1.2", "OPENSSL, grpc, TLSv1.2",
            "JDK, skein, TLSv1.3", "JDK, grpc, TLSv1.3", "JDK, skein, TLSv1.2", "JDK, grpc, TLSv1.2"})
    void aBoringSslServerServesBothProvidersWithTheClientsIdentity(TlsSettings.Provider provider, String protocol,
                                                                   String version) {
        TlsSettings.Client base = pki.clientSettings(pki.client("alice-" + provider + "-" + protocol + "-" + version));
        TlsSettings.Client client = base.withCommon(on(base.common(), provider, List.of(version), List.of()));
        try (EndpointChannel channel = channel(protocol, client)) {
            String alpn = protocol.equals("grpc") ? "h2" : "skein";
            assertEquals(version + " " + alpn + " alice-" + provider + "-" + protocol + "-" + version, who(channel));
        }
    }

    @Test
    void aCertificateRevokedInTheConfigurationIsRefusedByTheBoringSslServerToo() {
        TlsSettings.Client base = pki.clientSettings(revoked);
        TlsSettings.Client client = base.withCommon(on(base.common(), TlsSettings.Provider.OPENSSL,
                base.common().protocols(), List.of()));
        try (EndpointChannel channel = channel("skein", client)) {
            Throwable failure = Await.failure(channel.unary(TestServices.method(TlsWho.WHO, CallKind.UNARY), "",
                    CallOptions.DEFAULT), LIMIT);
            assertTrue(failure instanceof StatusException, () -> "not a status: " + failure);
            assertEquals(StatusCode.UNAVAILABLE, ((StatusException) failure).status().code(), failure::toString);
        }
        try (EndpointChannel channel = channel("skein", pki.clientSettings())) {
            assertEquals("TLSv1.3 skein anonymous", who(channel));
        }
    }
}
