package io.skein.examples.interop;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.FunctionalService;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.Targets;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import io.skein.transport.ClientChannel;
import io.skein.transport.testing.TestPki;
import io.skein.transport.tls.TlsPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TTHeader + Kitex Protobuf over TLS and mutual TLS between Skein and a real Kitex (Go) peer, both ways.
 * Kitex v0.16.3 has no TLS option for TTHeader (its netpoll transport reads raw sockets; its one TLS
 * setting, {@code client.WithGRPCTLSConfig}, is for gRPC clients), but its go-net transport runs the same
 * codec over any {@code net.Conn}: {@code kitex-echo} serves through a {@code crypto/tls} listener and
 * calls through a TLS dialer ({@code interop/kitex/tls.go}), public Kitex APIs only. Skein's side is its
 * TLS-only port (the ClientHello recognised by its first bytes, TTHeader inside) and {@code kitexs://}.
 * The test CA and certificates are made by this run under {@code target/test-pki} (TEST-ONLY keys,
 * never committed).
 */
class KitexTlsInteropTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    private static TestPki pki;
    private static TestPki.Issued serverCert;
    private static TestPki.Issued kitexClientCert;
    private static TestPki.Issued skeinClientCert;
    private static TestPki otherPki;
    private static SkeinNode skein;
    private static KitexEchoPeer.Server kitexTls;
    private static KitexEchoPeer.Server kitexMutualTls;

    @BeforeAll
    static void start() throws Exception {
        KitexEchoPeer.build();
        Path dir = Path.of("target", "test-pki", "kitex-" + UUID.randomUUID()).toAbsolutePath();
        pki = TestPki.create(dir.resolve("ca"));
        otherPki = TestPki.create(dir.resolve("other-ca"));
        serverCert = pki.server("server");
        kitexClientCert = pki.client("kitex-caller");
        skeinClientCert = pki.client("skein-caller");

        skein = SkeinNode.builder()
                .config(com.typesafe.config.ConfigFactory.parseString(TestNodes.LOOPBACK
                        + pki.hocon(serverCert, "required", "optional", null)))
                .service(FunctionalService.builder(TestNodes.ECHO)
                        .<EchoRequest, EchoReply>unary("Say", (req, ctx) -> CompletableFuture.completedFuture(
                                EchoReply.newBuilder()
                                        .setMessage(req.getMessage() + " over " + ctx.tls().map(KitexTlsInteropTest::describe)
                                                .orElse("plaintext"))
                                        .setServedBy("skein").build()))
                        .build())
                .start();
        kitexTls = KitexEchoPeer.server("kitex-tls-server", "--tls-cert", serverCert.certificate().toString(),
                "--tls-key", serverCert.privateKey().toString());
        kitexMutualTls = KitexEchoPeer.server("kitex-mtls-server", "--tls-cert", serverCert.certificate().toString(),
                "--tls-key", serverCert.privateKey().toString(), "--tls-ca", pki.caCertificate().toString());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (KitexEchoPeer.Server s : new KitexEchoPeer.Server[] {kitexTls, kitexMutualTls}) {
                if (s != null) {
                    s.close();
                }
            }
        } finally {
            TestNodes.close(skein);
        }
    }

    private static String describe(TlsPeer tls) {
        return tls.protocol() + " as " + tls.commonName().orElse("anonymous");
    }

    private static String skeinAddress() {
        return "127.0.0.1:" + skein.address().getPort();
    }

    // ---------------------------------------------------------------- Kitex client -> Skein server

    @Test
    void aKitexClientCallsSkeinsTlsOnlyPortOverTls() {
        KitexEchoPeer.Result r = KitexEchoPeer.client(skeinAddress(), "--message", "hi",
                "--tls-ca", pki.caCertificate().toString());
        assertEquals(0, r.exit(), r::describe);
        assertTrue(r.firstLine().matches("message=hi over TLSv1\\.[23] as anonymous served_by=skein payload="),
                r::describe);
    }

    @Test
    void aKitexClientCertificateIsTheIdentitySkeinsServiceSees() {
        KitexEchoPeer.Result r = KitexEchoPeer.client(skeinAddress(), "--message", "hi",
                "--tls-ca", pki.caCertificate().toString(), "--tls-server-name", "localhost",
                "--tls-cert", kitexClientCert.certificate().toString(), "--tls-key", kitexClientCert.privateKey().toString());
        assertEquals(0, r.exit(), r::describe);
        assertTrue(r.firstLine().matches("message=hi over TLSv1\\.[23] as kitex-caller served_by=skein payload="),
                r::describe);
    }

    @Test
    void aPlaintextKitexCallToSkeinsTlsOnlyPortIsRefusedSayingTlsIsRequired() {
        KitexEchoPeer.Result r = KitexEchoPeer.client(skeinAddress(), "--message", "in clear");
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.firstLine().contains("this server requires TLS"), r::describe);
        // and the port serves on
        assertEquals(0, KitexEchoPeer.client(skeinAddress(), "--message", "after",
                "--tls-ca", pki.caCertificate().toString()).exit());
    }

    @Test
    void aKitexClientTrustingAnotherCaRefusesSkeinsCertificateAndSkeinServesOn() {
        KitexEchoPeer.Result r = KitexEchoPeer.client(skeinAddress(), "--message", "hi",
                "--tls-ca", otherPki.caCertificate().toString());
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.firstLine().contains("certificate"), r::describe);
        assertEquals(0, KitexEchoPeer.client(skeinAddress(), "--message", "after",
                "--tls-ca", pki.caCertificate().toString()).exit());
    }

    // ---------------------------------------------------------------- Skein client -> Kitex server

    @Test
    void aSkeinClientCallsAKitexTlsServerWithKitexs() {
        assertEquals("over tls|transient:v", withKitexs("kitexs-client", null, kitexTls,
                say -> await(say.call(echo("over tls"), ECHO_KEY))).getMessage());
    }

    @Test
    void aSkeinClientPresentsItsCertificateToAKitexServerThatRequiresOne() {
        assertEquals("mutual|transient:v", withKitexs("kitexs-mtls-client", skeinClientCert, kitexMutualTls,
                say -> await(say.call(echo("mutual"), ECHO_KEY))).getMessage());
    }

    @Test
    void aKitexServerRequiringClientCertificatesRefusesASkeinClientWithoutOneWithUnavailable() {
        withKitexs("kitexs-no-cert-client", null, kitexMutualTls,
                say -> assertFails(StatusCode.UNAVAILABLE, say.call(echo("no cert")), LIMIT));
    }

    /** Transient metadata echo-key=v, which the Kitex peer echoes into its reply. */
    private static final io.skein.transport.CallOptions ECHO_KEY = io.skein.transport.CallOptions.DEFAULT.withMetadata(
            io.skein.protocols.Metadata.builder().put("echo-key", "v").build());

    private static EchoRequest echo(String message) {
        return EchoRequest.newBuilder().setMessage(message).build();
    }

    /**
     * {@code use} of Say on {@code server} over {@code kitexs://}, from a client system of its own that trusts
     * the test CA and presents {@code cert} when not null; the channel and system are closed after.
     */
    private static <T> T withKitexs(String name, TestPki.Issued cert, KitexEchoPeer.Server server,
                                    java.util.function.Function<UnaryMethod<EchoRequest, EchoReply>, T> use) {
        ActorSystem<Void> system = TestNodes.clientSystem(name, pki.hocon(serverCert, "off", "none", cert));
        ClientChannel channel = Targets.open(system, "kitexs://" + server.address());
        try {
            return use.apply(ServiceClient.create(system, channel, TestNodes.ECHO)
                    .unary("Say", EchoRequest.class, EchoReply.class));
        } finally {
            await(channel.closeAsync());
            TestNodes.terminate(system);
        }
    }
}
