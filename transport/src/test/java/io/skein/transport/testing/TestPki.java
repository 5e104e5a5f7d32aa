package io.skein.transport.testing;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.skein.transport.tls.TlsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A certificate authority made for one test run, and certificates it issues, written as PEM files into
 * a directory (a JUnit temp dir): TEST-ONLY key material, generated at run time and never committed.
 * Certificates are EC P-256 unless {@link #rsa} is asked for (Pekko's PEM loader reads RSA keys only).
 */
public final class TestPki {

    /** A certificate and its key as PEM files. */
    public record Issued(String name, Path certificate, Path privateKey, X509Bundle bundle) {
        /** The certificate's serial number in hex. */
        public String serialHex() {
            return bundle.getCertificate().getSerialNumber().toString(16);
        }
    }

    private final Path dir;
    private final X509Bundle ca;
    private final Path caFile;
    private final boolean rsa;

    private TestPki(Path dir, X509Bundle ca, boolean rsa) {
        this.dir = dir;
        this.ca = ca;
        this.rsa = rsa;
        this.caFile = write(dir.resolve("ca.crt"), ca.getCertificatePEM());
    }

    /** A new CA (EC keys) writing its files into {@code dir}. */
    public static TestPki create(Path dir) {
        return create(dir, false);
    }

    /** A new CA with RSA 2048 keys (slower to make) writing its files into {@code dir}. */
    public static TestPki rsa(Path dir) {
        return create(dir, true);
    }

    private static TestPki create(Path dir, boolean rsa) {
        try {
            Files.createDirectories(dir);
            CertificateBuilder builder = base(rsa).subject("CN=Skein Test CA " + dir.getFileName() + ", O=Skein tests")
                    .setIsCertificateAuthority(true)
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.keyCertSign, CertificateBuilder.KeyUsage.cRLSign);
            return new TestPki(dir, builder.buildSelfSigned(), rsa);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test CA", e);
        }
    }

    private static CertificateBuilder base(boolean rsa) {
        CertificateBuilder b = new CertificateBuilder()
                .notBefore(Instant.now().minus(Duration.ofHours(1)))
                .notAfter(Instant.now().plus(Duration.ofDays(2)));
        return rsa ? b.rsa2048() : b.ecp256();
    }

    /** A trust manager factory trusting this CA (for raw JDK TLS sockets in tests). */
    public javax.net.ssl.TrustManagerFactory trustManagerFactory() {
        return ca.toTrustManagerFactory();
    }

    /** The CA certificate (PEM), what peers trust. */
    public Path caCertificate() {
        return caFile;
    }

    /** A server certificate for localhost and 127.0.0.1, named {@code name}. */
    public Issued server(String name) {
        return issue(name, b -> b.addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                .addExtendedKeyUsageServerAuth().addExtendedKeyUsageClientAuth());
    }

    /** A client certificate with common name {@code cn} (also a URI SAN {@code spiffe://skein.test/<cn>}). */
    public Issued client(String cn) {
        return issue(cn, b -> {
            try {
                return b.addSanUriName("spiffe://skein.test/" + cn).addExtendedKeyUsageClientAuth();
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(e);
            }
        });
    }

    /**
     * A certificate with common name {@code name}, issued by this CA after {@code customize} (SANs,
     * validity, key usages) had its say; files {@code <name>.crt} and {@code <name>.key}.
     */
    public Issued issue(String name, UnaryOperator<CertificateBuilder> customize) {
        try {
            CertificateBuilder builder = customize.apply(base(rsa).subject("CN=" + name + ", O=Skein tests"));
            X509Bundle bundle = builder.buildIssuedBy(ca);
            return new Issued(name, write(dir.resolve(name + ".crt"), bundle.getCertificatePEM()),
                    write(dir.resolve(name + ".key"), bundle.getPrivateKeyPEM()), bundle);
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a test certificate " + name, e);
        }
    }

    /** Plain defaults for tests: both TLS versions, the JDK provider, no reloading unless asked. */
    public static TlsSettings.Common common(Path certificate, Path key, Path trust) {
        return new TlsSettings.Common(certificate, key, null, trust, List.of(), List.of("TLSv1.3", "TLSv1.2"), List.of(),
                TlsSettings.Provider.JDK, Duration.ofSeconds(10), Duration.ZERO);
    }

    /** A server presenting {@code cert}, trusting this CA for client certificates. */
    public TlsSettings.Server serverSettings(Issued cert, TlsSettings.Mode mode, TlsSettings.ClientAuth clientAuth) {
        return new TlsSettings.Server(mode, clientAuth, 256, common(cert.certificate(), cert.privateKey(), caFile));
    }

    /** A client trusting this CA, verifying host names, without a certificate of its own. */
    public TlsSettings.Client clientSettings() {
        return new TlsSettings.Client(true, null, common(null, null, caFile));
    }

    /** A client trusting this CA and presenting {@code cert} (mutual TLS). */
    public TlsSettings.Client clientSettings(Issued cert) {
        return new TlsSettings.Client(true, null, common(cert.certificate(), cert.privateKey(), caFile));
    }

    /** HOCON for {@code skein.tls.server} and {@code skein.tls.client} with these files (paths quoted). */
    public String hocon(Issued server, String mode, String clientAuth, Issued client) {
        return "skein.tls.server { mode = " + mode + ", client-auth = " + clientAuth
                + ", certificate = \"" + server.certificate() + "\", private-key = \"" + server.privateKey()
                + "\", trust-certificates = \"" + caFile + "\" }\n"
                + "skein.tls.client { trust-certificates = \"" + caFile + "\""
                + (client == null ? "" : ", certificate = \"" + client.certificate() + "\", private-key = \""
                + client.privateKey() + "\"") + " }\n";
    }

    private static Path write(Path file, String pem) {
        try {
            return Files.writeString(file, pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
