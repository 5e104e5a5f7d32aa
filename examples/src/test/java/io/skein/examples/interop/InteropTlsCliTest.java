package io.skein.examples.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.examples.testing.ChildJvm;
import io.skein.transport.testing.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC's interop cases over mutual TLS with gRPC's own flags, as a user runs them, each side in its own
 * JVM: {@code interop-server --use_tls=true --cert_file --key_file} (its {@code --config} requires client
 * certificates from the test CA) and {@code interop-client --use_tls=true --ca_file
 * --server_host_override --cert_file --key_file} over both transports ({@code grpcs://}, {@code skeins://}).
 * A client without a certificate and a plaintext client are refused with one line each. The CA is made
 * by this run under {@code target/test-pki} (TEST-ONLY keys, never committed).
 */
class InteropTlsCliTest {

    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration RUN = Duration.ofSeconds(120);
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)");

    private static TestPki pki;
    private static TestPki.Issued clientCert;
    private static String port;

    @BeforeAll
    static void serve() throws IOException {
        Path dir = Path.of("target", "test-pki", "interop-cli-" + UUID.randomUUID()).toAbsolutePath();
        pki = TestPki.create(dir);
        TestPki.Issued serverCert = pki.server("interop-server");
        clientCert = pki.client("interop-client");
        Path config = Files.writeString(dir.resolve("server.conf"), "skein.tls.server { client-auth = require, "
                + "trust-certificates = \"" + pki.caCertificate() + "\" }\n");
        ChildJvm server = ChildJvm.start(Map.of("SKEIN_LOG_LEVEL", "INFO"), "interop-server", "--port", "0",
                "--host", "127.0.0.1", "--use_tls=true", "--cert_file", serverCert.certificate().toString(),
                "--key_file", serverCert.privateKey().toString(), "--config", config.toString());
        Matcher m = LISTENING.matcher(server.awaitLine(l -> LISTENING.matcher(l).find(), START));
        assertTrue(m.find());
        port = m.group(2);
        assertTrue(server.stderr().contains("TLS required, client certificates require"), server::toString);
    }

    @AfterAll
    static void killChildren() {
        ChildJvm.killAll();
    }

    private static ChildJvm client(String transport, boolean withCertificate, String... more) {
        List<String> args = new ArrayList<>(List.of("interop-client", "--server_host", "127.0.0.1",
                "--server_port", port, "--transport", transport, "--use_tls=true",
                "--ca_file", pki.caCertificate().toString(), "--server_host_override", "localhost"));
        if (withCertificate) {
            args.addAll(List.of("--cert_file", clientCert.certificate().toString(),
                    "--key_file", clientCert.privateKey().toString()));
        }
        args.addAll(List.of(more));
        return ChildJvm.start(args.toArray(String[]::new));
    }

    private static void assertAllPassed(ChildJvm client, List<String> cases) {
        assertEquals(0, client.awaitExit(RUN), client::toString);
        List<String> out = client.stdout();
        assertEquals(cases.size(), out.size(), client::toString);
        for (int i = 0; i < out.size(); i++) {
            assertTrue(out.get(i).startsWith(cases.get(i) + ": PASSED"), client::toString);
        }
    }

    @Test
    void everyCasePassesOverGrpcWithMutualTls() {
        assertAllPassed(client("grpc", true, "--test_case", "all"), InteropClient.CASES);
    }

    @Test
    void everyCaseButCompressionPassesOverTheNativeProtocolWithMutualTls() {
        assertAllPassed(client("skein", true, "--test_case", "all"), InteropClient.CASES.stream()
                .filter(c -> !InteropClient.COMPRESSION_CASES.contains(c)).toList());
    }

    @Test
    void aClientWithoutACertificateIsRefusedAndSaysWhy() {
        ChildJvm client = client("grpc", false, "--test_case", "empty_unary");
        assertEquals(1, client.awaitExit(RUN), client::toString);
        assertTrue(client.stderr().lines().anyMatch(l -> l.startsWith("FAILED empty_unary: EmptyCall failed: UNAVAILABLE")),
                client::toString);
    }

    @Test
    void aPlaintextClientIsToldTheServerRequiresTls() {
        ChildJvm client = ChildJvm.start("interop-client", "--server_host", "127.0.0.1", "--server_port", port,
                "--test_case", "empty_unary", "--use_tls=false");
        assertEquals(1, client.awaitExit(RUN), client::toString);
        assertTrue(client.stderr().contains("this server requires TLS"), client::toString);
    }
}
