package io.skein.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
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
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile bytes at a TLS port, each ending in a closed connection within its bound, the node serving
 * on and no buffer leaked (PARANOID leak detection fails the run otherwise): garbage after a real
 * ClientHello, handshakes that never finish (closed at the handshake timeout), more of them at once
 * than the server takes (closed as they arrive), a truncated ClientHello, and a client that resets its
 * connection right after the handshake (closed without an unhandled exception).
 */
class TlsHostileInputTest {

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(500);
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static ActorTestKit testKit;
    private static TestPki pki;
    private static RpcServer server;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("TlsHostileInputTest", Servers.config(""));
        pki = TestPki.create(dir);
        TlsSettings.Server tls = pki.serverSettings(pki.server("server"), TlsSettings.Mode.REQUIRED, TlsSettings.ClientAuth.NONE)
                .withMaxConcurrentHandshakes(2);
        TlsSettings.Common c = tls.common();
        tls = tls.withCommon(c.with(c.revoked(), c.protocols(), c.provider(), HANDSHAKE_TIMEOUT, c.reloadInterval()));
        server = Await.result(RpcServer.start(testKit.system(), new InetSocketAddress("127.0.0.1", 0),
                TestServices.echo().build(), ServerOptions.builder().tls(tls).build()), LIMIT);
    }

    @AfterAll
    static void stop() {
        Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        testKit.shutdownTestKit();
    }

    /** The first flight of a real TLS client: a record carrying a ClientHello. */
    private static byte[] clientHello() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("localhost", server.localAddress().getPort());
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        assertEquals(0x16, bytes[0]);
        return bytes;
    }

    private static void assertServesOverTls() {
        try (EndpointChannel channel = EndpointChannel.create(testKit.system(), server.localAddress(), pki.clientSettings())) {
            assertEquals("ok", Await.result(channel.unary(TestServices.method(TestServices.ECHO, CallKind.UNARY), "ok",
                    CallOptions.DEFAULT), LIMIT));
        }
    }

    @Test
    void garbageAfterAClientHelloClosesTheConnection() throws Exception {
        byte[] garbage = new byte[4096];
        Arrays.fill(garbage, (byte) 0x5a);
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.writeBytes(clientHello()).writeBytes(garbage);
            raw.assertClosedWithin(LIMIT);
        }
        assertServesOverTls();
    }

    @Test
    void aHandshakeThatNeverFinishesIsClosedAtTheHandshakeTimeout() throws Exception {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.writeBytes(clientHello()); // and never a second flight
            raw.assertClosedWithin(LIMIT);
        }
        assertServesOverTls();
    }

    @Test
    void aTruncatedClientHelloIsClosedAtTheHandshakeTimeout() throws Exception {
        byte[] hello = clientHello();
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.writeBytes(Arrays.copyOf(hello, 40));
            raw.assertClosedWithin(LIMIT);
        }
        assertServesOverTls();
    }

    @Test
    void handshakesBeyondTheServersLimitAreClosedAtOnceAndTheLimitFreesAsTheyEnd() throws Exception {
        List<RawClient> stalled = new ArrayList<>();
        try {
            // Two handshakes that never finish hold the server's two handshake slots ...
            for (int i = 0; i < 2; i++) {
                stalled.add(RawClient.connect(server.localAddress()).writeBytes(clientHello()));
            }
            // ... a third TLS connection while they do is closed as soon as its ClientHello is seen. The
            // stalled ones may already have timed out on a slow machine: then the third is served and
            // times out itself, which closes it too. Either way it is closed and nothing is held.
            try (RawClient third = RawClient.connect(server.localAddress())) {
                third.writeBytes(clientHello());
                third.assertClosedWithin(LIMIT);
            }
            for (RawClient s : stalled) {
                s.assertClosedWithin(LIMIT);
            }
        } finally {
            stalled.forEach(RawClient::close);
        }
        // The slots were given back: several handshakes in a row succeed.
        for (int i = 0; i < 3; i++) {
            assertServesOverTls();
        }
        Await.until(LIMIT, () -> Servers.load(server).connections() == 0, () -> "connections left open");
        assertTrue(Servers.load(server).activeCalls() == 0);
    }

    @Test
    void aClientThatResetsRightAfterItsHandshakeIsClosedQuietly() throws Exception {
        ch.qos.logback.classic.Logger detector = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                io.skein.transport.internal.connection.ProtocolDetector.class);
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        ch.qos.logback.classic.Level level = detector.getLevel();
        detector.setLevel(ch.qos.logback.classic.Level.DEBUG);
        root.addAppender(logs);
        try {
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, pki.trustManagerFactory().getTrustManagers(), null);
            try (java.net.Socket tcp = new java.net.Socket("127.0.0.1", server.localAddress().getPort())) {
                javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) ssl.getSocketFactory()
                        .createSocket(tcp, "127.0.0.1", tcp.getPort(), false);
                tls.startHandshake();
                tcp.setSoLinger(true, 0); // no close_notify, and a TCP reset, as load generators close
            }
            // The detector behind the TLS layer sees the reset and says so at debug level ...
            Await.until(LIMIT, () -> List.copyOf(logs.list).stream().anyMatch(e -> e.getFormattedMessage()
                    .contains("ended before its protocol was known")), () -> "the reset handled by the detector");
            // ... and nothing reached the end of the pipeline (Netty's "exceptionCaught() ... reached at the tail").
            assertTrue(List.copyOf(logs.list).stream().noneMatch(e -> e.getFormattedMessage().contains("reached at the tail")),
                    () -> "an unhandled exception: " + logs.list);
        } finally {
            root.detachAppender(logs);
            detector.setLevel(level);
        }
        assertServesOverTls();
    }
}
