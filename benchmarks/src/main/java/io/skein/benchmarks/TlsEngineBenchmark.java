package io.skein.benchmarks;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU cost of TLS per provider, without sockets: the JDK's {@code SSLEngine} against BoringSSL
 * (netty-tcnative-boringssl-static), both through Netty's {@link SslContext} as Skein builds them.
 * {@code handshake}: one full TLS 1.3 handshake (client and server engines in memory on this thread, EC
 * P-256 key, no session resumption). {@code echo}: an established pair carries {@code payloadBytes} of
 * application data each way (client wrap, server unwrap, server wrap, client unwrap). The key pair is
 * made at set-up by the JDK's {@code keytool} into a temporary PKCS#12 store (TEST-ONLY, deleted at
 * tear-down).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TlsEngineBenchmark {

    private static final char[] PASSWORD = "benchmark".toCharArray();
    private static final int BUFFER = 64 * 1024;

    @Param({"JDK", "OPENSSL"})
    SslProvider provider;

    @Param("1024")
    int payloadBytes;

    private Path dir;
    private SslContext server;
    private SslContext client;
    private SSLEngine echoClient;
    private SSLEngine echoServer;
    private final ByteBuffer toServer = ByteBuffer.allocateDirect(BUFFER);
    private final ByteBuffer toClient = ByteBuffer.allocateDirect(BUFFER);
    private final ByteBuffer app = ByteBuffer.allocateDirect(BUFFER);
    private ByteBuffer payload;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("skein-tls-bench");
        Path store = dir.resolve("bench.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "bench", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        Certificate cert = keys.getCertificate("bench");
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("bench", cert);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        server = SslContextBuilder.forServer(kmf).sslProvider(provider).protocols("TLSv1.3").build();
        // Engines without a peer host: no host name to verify, and no session to resume.
        client = SslContextBuilder.forClient().trustManager(tmf).endpointIdentificationAlgorithm(null)
                .sslProvider(provider).protocols("TLSv1.3").build();
        echoClient = client.newEngine(ByteBufAllocator.DEFAULT);
        echoServer = server.newEngine(ByteBufAllocator.DEFAULT);
        handshake(echoClient, echoServer);
        byte[] bytes = new byte[payloadBytes];
        payload = ByteBuffer.allocateDirect(payloadBytes).put(bytes).flip();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        ReferenceCountUtil.release(echoClient);
        ReferenceCountUtil.release(echoServer);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** One full handshake: new engines (no peer host, so no session to resume), released after. */
    @Benchmark
    public boolean handshake() throws SSLException {
        SSLEngine c = client.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
        try {
            return handshake(c, s);
        } finally {
            ReferenceCountUtil.release(c);
            ReferenceCountUtil.release(s);
        }
    }

    /** payloadBytes of application data from client to server and back over an established session. */
    @Benchmark
    public int echo() throws SSLException {
        int n = carry(echoClient, echoServer, toServer);
        return n + carry(echoServer, echoClient, toClient);
    }

    private int carry(SSLEngine from, SSLEngine to, ByteBuffer net) throws SSLException {
        payload.rewind();
        net.clear();
        check(from.wrap(payload, net));
        net.flip();
        app.clear();
        while (net.hasRemaining()) {
            SSLEngineResult r = check(to.unwrap(net, app));
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                break;
            }
        }
        return app.position();
    }

    /** Runs the handshake of a client and a server engine in memory; true once both finished. */
    private boolean handshake(SSLEngine c, SSLEngine s) throws SSLException {
        c.beginHandshake();
        s.beginHandshake();
        toServer.clear();
        toClient.clear();
        for (int i = 0; i < 100; i++) {
            step(c, toServer, toClient);
            step(s, toClient, toServer);
            if (done(c) && done(s) && toServer.position() == 0 && toClient.position() == 0) {
                return true;
            }
        }
        throw new IllegalStateException("handshake did not finish: client " + c.getHandshakeStatus() + ", server "
                + s.getHandshakeStatus());
    }

    private static boolean done(SSLEngine e) {
        return List.of(SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING, SSLEngineResult.HandshakeStatus.FINISHED)
                .contains(e.getHandshakeStatus());
    }

    /** Unwraps what {@code in} holds (written by the peer) and wraps what the engine has to send into {@code out}. */
    private void step(SSLEngine e, ByteBuffer out, ByteBuffer in) throws SSLException {
        in.flip();
        while (in.hasRemaining()) {
            app.clear();
            SSLEngineResult r = check(e.unwrap(in, app));
            runTasks(e);
            if (r.bytesConsumed() == 0) {
                break;
            }
        }
        in.compact();
        while (true) {
            SSLEngineResult r = check(e.wrap(ByteBuffer.allocate(0), out));
            runTasks(e);
            if (r.bytesProduced() == 0) {
                break;
            }
        }
    }

    private static void runTasks(SSLEngine e) {
        for (Runnable task = e.getDelegatedTask(); task != null; task = e.getDelegatedTask()) {
            task.run();
        }
    }

    private static SSLEngineResult check(SSLEngineResult r) throws SSLException {
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW || r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException("unexpected " + r);
        }
        return r;
    }
}
