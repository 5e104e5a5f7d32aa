package io.skein.transport.internal.tls;

import io.skein.transport.tls.TlsSettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The bytes of one side's PEM files, read together, with a digest of all of them: what a TLS context
 * is built from, and how a reload tells a real change from a touched time stamp. Immutable.
 */
final class KeyMaterial {

    private final byte[] certificate;
    private final byte[] privateKey;
    private final byte[] trust;
    private final byte[] digest;

    private KeyMaterial(byte[] certificate, byte[] privateKey, byte[] trust) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.trust = trust;
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] part : new byte[][] {certificate, privateKey, trust}) {
                sha.update(part == null ? new byte[] {0} : part);
                sha.update((byte) 1);
            }
            this.digest = sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the files {@code common} names. */
    static KeyMaterial read(TlsSettings.Common common) throws IOException {
        return new KeyMaterial(readOrNull(common.certificate()), readOrNull(common.privateKey()),
                readOrNull(common.trustCertificates()));
    }

    private static byte[] readOrNull(Path path) throws IOException {
        if (path == null) {
            return null;
        }
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new IOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    boolean sameAs(KeyMaterial other) {
        return other != null && Arrays.equals(digest, other.digest);
    }

    boolean hasKeyPair() {
        return certificate != null;
    }

    InputStream certificate() {
        return new ByteArrayInputStream(certificate);
    }

    InputStream privateKey() {
        return new ByteArrayInputStream(privateKey);
    }

    /** The leaf certificate of the chain (for logs: its serial and expiry). */
    X509Certificate leaf() throws Exception {
        Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(certificate());
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no certificate in the PEM file");
        }
        return (X509Certificate) chain.iterator().next();
    }

    /**
     * A trust manager over the trusted CA bundle (or the JDK's default store when none was given, if
     * {@code defaultWhenNone}; else {@code null}), with the configured revocations.
     */
    X509ExtendedTrustManager trustManager(List<String> revoked, boolean defaultWhenNone) throws Exception {
        KeyStore store = null;
        if (trust != null) {
            Collection<? extends Certificate> cas = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(trust));
            if (cas.isEmpty()) {
                throw new IllegalArgumentException("no certificate in the trust-certificates PEM file");
            }
            store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate ca : cas) {
                store.setCertificateEntry("ca-" + (i++), ca);
            }
        } else if (!defaultWhenNone) {
            return null;
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return RevocationTrustManager.wrap(x, revoked);
            }
        }
        throw new IllegalStateException("no X509 trust manager from " + factory.getAlgorithm());
    }
}
