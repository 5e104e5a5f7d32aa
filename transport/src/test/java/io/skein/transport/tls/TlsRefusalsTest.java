package io.skein.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.EndpointChannel;
import io.skein.transport.RpcServer;
import io.skein.transport.ServerOptions;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestPki;
import io.skein.transport.testing.TestServices;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS modes and every certificate refusal, each a defined status on the caller's side with the server
 * unaffected: plaintext on a port that requires TLS, both on a port where TLS is optional, and
 * expired, wrong-CA, wrong-name and revoked-by-configuration certificates, either side's.
 */
class TlsRefusalsTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String WHO = "test.Tls/Who";

    @TempDir
    static Path dir;
    private static ActorTestKit testKit;
    private static TestPki pki;
    private static TestPki otherCa;
    private static RpcServer required;   // TLS required, client certificates required
    private static RpcServer optional;   // TLS optional, no client certificates
    private static TestPki.Issued revokedClient;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("TlsRefusalsTest", Servers.config(""));
        pki = TestPki.create(dir.resolve("pki"));
        otherCa = TestPki.create(dir.resolve("other"));
        TestPki.Issued serverCert = pki.server("server");
        revokedClient = pki.client("revoked-client");
        TlsSettings.Server requiredTls = pki.serverSettings(serverCert, TlsSettings.Mode.REQUIRED, TlsSettings.ClientAuth.REQUIRE);
        TlsSettings.Common c = requiredTls.common();
        requiredTls = requiredTls.withCommon(c.with(List.of("serial:" + revokedClient.serialHex()), c.protocols(),
                c.provider(), c.handshakeTimeout(), c.reloadInterval()));
        required = start(requiredTls);
        optional = start(pki.serverSettings(serverCert, TlsSettings.Mode.OPTIONAL, TlsSettings.ClientAuth.NONE));
    }

    private static RpcServer start(TlsSettings.Server tls) {
        return Await.result(RpcServer.start(testKit.system(), new InetSocketAddress("127.0.0.1", 0),
                TestServices.echo().unary(WHO, (req, ctx) -> CompletableFuture.completedFuture(
                        ctx.tls().map(t -> "tls " + t.commonName().orElse("anonymous")).orElse("plaintext"))).build(),
                ServerOptions.builder().tls(tls).build()), LIMIT);
    }

    @AfterAll
    static void stop() {
        Await.result(required.shutdown(Duration.ofMillis(100)), LIMIT);
        Await.result(optional.shutdown(Duration.ofMillis(100)), LIMIT);
        testKit.shutdownTestKit();
    }

    private static String call(EndpointChannel channel) {
        try (channel) {
            return Await.result(channel.unary(TestServices.method(WHO, CallKind.UNARY), "", CallOptions.DEFAULT), LIMIT);
        }
    }

    private static StatusException refusal(EndpointChannel channel) {
        try (channel) {
            Throwable failure = Await.failure(channel.unary(TestServices.method(WHO, CallKind.UNARY), "",
                    CallOptions.DEFAULT), LIMIT);
            assertTrue(failure instanceof StatusException, () -> "not a status: " + failure);
            return (StatusException) failure;
        }
    }

    private static EndpointChannel tls(RpcServer server, TlsSettings.Client settings) {
        return EndpointChannel.create(testKit.system(), server.localAddress(), settings);
    }

    private static void assertStillServes(RpcServer server, TlsSettings.Client good) {
        assertTrue(call(tls(server, good)).startsWith("tls"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void aPlaintextCallToAPortThatRequiresTlsIsRefusedWithUnavailableSayingSo(String protocol) {
        EndpointChannel plain = protocol.equals("grpc") ? EndpointChannel.grpc(testKit.system(), required.localAddress())
                : EndpointChannel.create(testKit.system(), required.localAddress());
        StatusException e = refusal(plain);
        assertEquals(StatusCode.UNAVAILABLE, e.status().code());
        assertEquals("this server requires TLS; connect with skeins:// or grpcs://", e.status().message());
        assertStillServes(required, pki.clientSettings(pki.client("alice")));
    }

    @Test
    void plaintextBytesOfNoProtocolOnAPortThatRequiresTlsCloseTheConnection() {
        try (RawClient raw = RawClient.connect(required.localAddress())) {
            raw.writeBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.assertClosedWithin(LIMIT);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void aPortWithOptionalTlsServesPlaintextAndTlsSideBySide(String protocol) {
        boolean grpc = protocol.equals("grpc");
        InetSocketAddress address = optional.localAddress();
        assertEquals("plaintext", call(grpc ? EndpointChannel.grpc(testKit.system(), address)
                : EndpointChannel.create(testKit.system(), address)));
        assertEquals("tls anonymous", call(grpc ? EndpointChannel.grpc(testKit.system(), address, pki.clientSettings())
                : EndpointChannel.create(testKit.system(), address, pki.clientSettings())));
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefusedByTheClient() {
        StatusException e = refusal(tls(optional, otherCa.clientSettings()));
        assertEquals(StatusCode.UNAVAILABLE, e.status().code());
        assertTrue(e.status().message().contains("TLS handshake failed"), e.status().message());
        assertTrue(e.status().message().contains("certification path"), e.status().message());
    }

    @Test
    void aServerCertificateForAnotherNameIsRefusedByTheClient() {
        TestPki.Issued elsewhere = pki.issue("elsewhere", b -> b.addSanDnsName("elsewhere.example").addExtendedKeyUsageServerAuth());
        RpcServer server = start(pki.serverSettings(elsewhere, TlsSettings.Mode.REQUIRED, TlsSettings.ClientAuth.NONE));
        try {
            StatusException e = refusal(tls(server, pki.clientSettings()));
            assertEquals(StatusCode.UNAVAILABLE, e.status().code());
            assertTrue(e.status().message().contains("TLS handshake failed: No subject alternative names matching IP address 127.0.0.1"),
                    e.status().message());
            // The name the certificate does carry, verified instead of the host: accepted.
            assertEquals("tls anonymous", call(tls(server, pki.clientSettings().withServerName("elsewhere.example"))));
        } finally {
            Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        }
    }

    @Test
    void anExpiredServerCertificateIsRefusedByTheClient() {
        TestPki.Issued expired = pki.issue("expired", b -> b.addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth()
                .notBefore(Instant.now().minus(Duration.ofDays(3))).notAfter(Instant.now().minus(Duration.ofDays(1))));
        RpcServer server = start(pki.serverSettings(expired, TlsSettings.Mode.REQUIRED, TlsSettings.ClientAuth.NONE));
        try {
            StatusException e = refusal(tls(server, pki.clientSettings()));
            assertEquals(StatusCode.UNAVAILABLE, e.status().code());
            assertTrue(e.status().message().contains("TLS handshake failed: certificate expired"), e.status().message());
        } finally {
            Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        }
    }

    @Test
    void aServerCertificateRevokedInTheClientsConfigurationIsRefused() {
        TestPki.Issued server = pki.server("server");
        TlsSettings.Client client = pki.clientSettings();
        TlsSettings.Common c = client.common();
        // The optional server presents the first "server" certificate; revoke that one by fingerprint.
        String fingerprint = fingerprintOfPresented(optional);
        client = client.withCommon(c.with(List.of(fingerprint), c.protocols(), c.provider(), c.handshakeTimeout(),
                c.reloadInterval()));
        StatusException e = refusal(tls(optional, client));
        assertEquals(StatusCode.UNAVAILABLE, e.status().code());
        assertTrue(e.status().message().contains("is revoked by configuration"), e.status().message());
        assertTrue(server.certificate().toFile().exists());
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "expired", "other-ca", "revoked"})
    void aClientCertificateTheServerRefusesEndsTheCallUnavailableAndTheServerServesOn(String which) {
        TlsSettings.Client client = switch (which) {
            case "none" -> pki.clientSettings();
            case "expired" -> pki.clientSettings(pki.issue("expired-client", b -> b.addExtendedKeyUsageClientAuth()
                    .notBefore(Instant.now().minus(Duration.ofDays(3))).notAfter(Instant.now().minus(Duration.ofDays(1)))));
            case "other-ca" -> otherCa.clientSettings(otherCa.client("mallory")).withTrust(pki.caCertificate());
            default -> pki.clientSettings(revokedClient);
        };
        StatusException e = refusal(tls(required, client));
        assertEquals(StatusCode.UNAVAILABLE, e.status().code(), e::toString);
        org.slf4j.LoggerFactory.getLogger(TlsRefusalsTest.class).info("refused client certificate {}: {}", which, e.status());
        assertStillServes(required, pki.clientSettings(pki.client("alice")));
    }

    private static String fingerprintOfPresented(RpcServer server) {
        try {
            javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
            ssl.init(null, pki.trustManagerFactory().getTrustManagers(), null);
            try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) ssl.getSocketFactory()
                    .createSocket("127.0.0.1", server.localAddress().getPort())) {
                socket.startHandshake();
                byte[] der = socket.getSession().getPeerCertificates()[0].getEncoded();
                return java.util.HexFormat.ofDelimiter(":").formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(der));
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
