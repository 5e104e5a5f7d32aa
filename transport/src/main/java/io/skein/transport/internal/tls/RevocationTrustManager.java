package io.skein.transport.internal.tls;

import java.math.BigInteger;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that verifies as the one it wraps (chain to a trusted CA, validity, and, given an
 * engine with an endpoint identification algorithm, the host name), then refuses any certificate of the
 * chain that the configuration revoked by SHA-256 fingerprint or serial number. Immutable, thread-safe.
 */
final class RevocationTrustManager extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager delegate;
    private final Set<String> fingerprints;
    private final Set<BigInteger> serials;

    private RevocationTrustManager(X509ExtendedTrustManager delegate, Set<String> fingerprints, Set<BigInteger> serials) {
        this.delegate = delegate;
        this.fingerprints = fingerprints;
        this.serials = serials;
    }

    /**
     * {@code delegate} with the revocations of {@code revoked} (SHA-256 hex, colons optional, or
     * {@code serial:HEX}); {@code delegate} itself when there are none.
     *
     * @throws IllegalArgumentException for an entry that is neither
     */
    static X509ExtendedTrustManager wrap(X509ExtendedTrustManager delegate, List<String> revoked) {
        if (revoked.isEmpty()) {
            return delegate;
        }
        Set<String> fingerprints = new HashSet<>();
        Set<BigInteger> serials = new HashSet<>();
        for (String entry : revoked) {
            String e = entry.trim();
            if (e.regionMatches(true, 0, "serial:", 0, 7)) {
                serials.add(new BigInteger(e.substring(7).replace(":", ""), 16));
            } else {
                String hex = e.replace(":", "").toLowerCase(Locale.ROOT);
                if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw new IllegalArgumentException("TLS revoked entry '" + entry
                            + "' is neither a SHA-256 fingerprint (64 hex digits) nor serial:HEX");
                }
                fingerprints.add(hex);
            }
        }
        return new RevocationTrustManager(delegate, Set.copyOf(fingerprints), Set.copyOf(serials));
    }

    /** The SHA-256 fingerprint of {@code certificate}'s DER encoding, lower-case hex without colons. */
    static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint certificate", e);
        }
    }

    private void checkRevoked(X509Certificate[] chain) throws CertificateException {
        for (X509Certificate c : chain) {
            if (serials.contains(c.getSerialNumber()) || fingerprints.contains(fingerprint(c))) {
                throw new CertificateException("certificate " + c.getSubjectX500Principal().getName() + " (serial "
                        + c.getSerialNumber().toString(16) + ") is revoked by configuration");
            }
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
        checkRevoked(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
        checkRevoked(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
        checkRevoked(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
        checkRevoked(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
        checkRevoked(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
        checkRevoked(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
