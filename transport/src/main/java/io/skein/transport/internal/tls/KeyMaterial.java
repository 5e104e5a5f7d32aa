package io.skein.transport.internal.tls;

import io.skein.transport.tls.TlsSettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
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

    /** The certificate chain, leaf first. */
    X509Certificate[] chain() throws GeneralSecurityException {
        Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(certificate));
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no certificate in the PEM certificate file");
        }
        return chain.toArray(X509Certificate[]::new);
    }

    private static final Pattern PEM_KEY = Pattern.compile(
            "-----BEGIN (ENCRYPTED )?PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END (ENCRYPTED )?PRIVATE KEY-----");

    /**
     * The PKCS#8 private key (decrypted with {@code password} when encrypted), checked to belong to the
     * leaf certificate: a key that does not match (read between the renames of a key and its certificate)
     * would make every handshake fail, so it is refused here and the previous material stays.
     */
    PrivateKey privateKey(String password, X509Certificate leaf) throws GeneralSecurityException, IOException {
        Matcher m = PEM_KEY.matcher(new String(privateKey, StandardCharsets.US_ASCII));
        if (!m.find()) {
            throw new IllegalArgumentException("no PKCS#8 private key (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY) "
                    + "in the private-key file");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        PKCS8EncodedKeySpec spec;
        if (m.group(1) != null) {
            if (password == null) {
                throw new IllegalArgumentException("the private key is encrypted and no private-key-password is set");
            }
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            SecretKeyFactory factory = SecretKeyFactory.getInstance(info.getAlgName());
            Cipher cipher = Cipher.getInstance(info.getAlgName());
            cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())),
                    info.getAlgParameters());
            spec = info.getKeySpec(cipher);
        } else {
            spec = new PKCS8EncodedKeySpec(der);
        }
        PrivateKey key = KeyFactory.getInstance(leaf.getPublicKey().getAlgorithm()).generatePrivate(spec);
        checkPair(key, leaf);
        return key;
    }

    private static void checkPair(PrivateKey key, X509Certificate leaf) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return; // no check for other key types: the handshake will tell
        }
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(leaf.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new IllegalArgumentException("the private key does not belong to the certificate "
                    + leaf.getSubjectX500Principal().getName());
        }
    }

    /** The leaf certificate of the chain (for logs: its serial and expiry). */
    X509Certificate leaf() throws Exception {
        return chain()[0];
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
