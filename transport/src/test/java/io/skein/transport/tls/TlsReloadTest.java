package io.skein.transport.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.protocols.Metadata;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.testing.Await;
import io.skein.transport.RpcServer;
import io.skein.transport.ServerOptions;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestPki;
import io.skein.transport.testing.TestServices;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key material reloaded from its PEM files while the server runs: a new connection gets the new
 * certificate once the files changed, a connection established before keeps working, and a change that
 * does not load (a half-written file) leaves the last good material in use.
 */
class TlsReloadTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private ActorTestKit testKit;
    private TestPki pki;
    private RpcServer server;
    private Path certFile;
    private Path keyFile;

    @BeforeEach
    void start() throws Exception {
        testKit = ActorTestKit.create("TlsReloadTest", Servers.config(""));
        pki = TestPki.create(dir.resolve("pki"));
        TestPki.Issued first = pki.server("first");
        certFile = dir.resolve("server.crt");
        keyFile = dir.resolve("server.key");
        Files.copy(first.certificate(), certFile);
        Files.copy(first.privateKey(), keyFile);
        TlsSettings.Server tls = pki.serverSettings(new TestPki.Issued("server", certFile, keyFile, first.bundle()),
                TlsSettings.Mode.REQUIRED, TlsSettings.ClientAuth.NONE);
        TlsSettings.Common c = tls.common();
        tls = tls.withCommon(c.with(c.revoked(), c.protocols(), c.provider(), c.handshakeTimeout(), Duration.ofMillis(100)));
        server = Await.result(RpcServer.start(testKit.system(), new InetSocketAddress("127.0.0.1", 0),
                TestServices.echo().build(), ServerOptions.builder().tls(tls).build()), LIMIT);
    }

    @AfterEach
    void stop() {
        Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        testKit.shutdownTestKit();
    }

    private SSLSocket connect() throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, pki.trustManagerFactory().getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", server.localAddress().getPort());
        socket.setSoTimeout((int) LIMIT.toMillis());
        socket.startHandshake();
        return socket;
    }

    private static BigInteger serialOf(SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    private BigInteger serialOfANewConnection() {
        try (SSLSocket socket = connect()) {
            return serialOf(socket);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Sends a native unary echo over an established TLS socket and reads the whole answer frame. */
    private static void assertEchoes(SSLSocket socket, String text, int streamId) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(RawClient.encode(new SkeinFrame.UnaryRequest(streamId, TestServices.ECHO, Metadata.EMPTY, 0,
                RawClient.utf8(text))));
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int length = in.readInt();
        byte[] frame = new byte[length];
        in.readFully(frame);
        byte[] expected = text.getBytes(StandardCharsets.UTF_8);
        byte[] tail = java.util.Arrays.copyOfRange(frame, frame.length - expected.length, frame.length);
        assertArrayEquals(expected, tail, "the answer frame ends with the echoed payload");
    }

    /** Replaces the files the way a certificate manager does: write aside, then rename over. */
    private void install(TestPki.Issued next) throws Exception {
        Files.copy(next.certificate(), dir.resolve("next.crt"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(next.privateKey(), dir.resolve("next.key"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("next.key"), keyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(dir.resolve("next.crt"), certFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void newConnectionsGetTheNewCertificateAndEstablishedOnesKeepWorking() throws Exception {
        BigInteger firstSerial = serialOfANewConnection();
        try (SSLSocket established = connect()) {
            assertEquals(firstSerial, serialOf(established));
            assertEchoes(established, "before", 1);

            TestPki.Issued second = pki.server("second");
            install(second);
            BigInteger secondSerial = second.bundle().getCertificate().getSerialNumber();
            Await.until(LIMIT, () -> serialOfANewConnection().equals(secondSerial), () -> "new certificate not served");

            assertEchoes(established, "after", 3);
            assertEquals(firstSerial, serialOf(established));
        }
    }

    @Test
    void aChangeThatDoesNotLoadKeepsTheLastGoodMaterial() throws Exception {
        BigInteger firstSerial = serialOfANewConnection();
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\nnot a key\n");
        assertEquals(false, server.reloadTls());
        assertEquals(firstSerial, serialOfANewConnection());

        TestPki.Issued third = pki.server("third");
        install(third);
        BigInteger thirdSerial = third.bundle().getCertificate().getSerialNumber();
        Await.until(LIMIT, () -> serialOfANewConnection().equals(thirdSerial), () -> "fixed material not loaded");
    }
}
