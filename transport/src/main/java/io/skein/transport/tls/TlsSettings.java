package io.skein.transport.tls;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * TLS for a server port and for clients, read from {@code skein.tls.server} and {@code skein.tls.client}
 * (each key is documented in the transport's {@code reference.conf}). Key material comes from PEM files:
 * a certificate chain, a PKCS#8 private key (optionally encrypted) and a bundle of trusted CA
 * certificates; the files are re-read when they change (see {@code reload-interval}). Immutable.
 */
public final class TlsSettings {

    /** Whether a server port speaks TLS. */
    public enum Mode {
        /** Plaintext only (the default). */
        OFF,
        /** TLS and plaintext on the same port, told apart by the first bytes: for migrations. */
        OPTIONAL,
        /** TLS only: a plaintext call is refused with UNAVAILABLE, other plaintext bytes close the connection. */
        REQUIRED
    }

    /** Whether a server asks for client certificates (mutual TLS). */
    public enum ClientAuth {
        /** No client certificate is asked for. */
        NONE,
        /** Asked for and verified when sent; a client without one is let in (its calls have no TLS identity). */
        OPTIONAL,
        /** A verified client certificate is required; the handshake fails without one. */
        REQUIRE
    }

    /** Which TLS implementation runs the handshakes and the record layer. */
    public enum Provider {
        /** The JDK's SSLEngine. */
        JDK,
        /** BoringSSL through netty-tcnative-boringssl-static (must be on the class path). */
        OPENSSL,
        /** OpenSSL when netty-tcnative is available, the JDK otherwise. */
        AUTO
    }

    /**
     * The key material and protocol settings both sides have.
     *
     * @param certificate        PEM certificate chain (leaf first), or {@code null}
     * @param privateKey         PEM PKCS#8 private key of the leaf, or {@code null}
     * @param privateKeyPassword password of an encrypted private key, or {@code null}
     * @param trustCertificates  PEM bundle of trusted CA certificates, or {@code null} (server: no client
     *                           certificates can be verified; client: the JDK's default trust store)
     * @param revoked            certificates refused although they chain to a trusted CA: SHA-256
     *                           fingerprints in hex (colons optional) or {@code serial:HEX}
     * @param protocols          TLS versions enabled, e.g. TLSv1.3 and TLSv1.2
     * @param ciphers            cipher suites, empty for the provider's defaults
     * @param provider           the TLS implementation
     * @param handshakeTimeout   how long one handshake may take before the connection is closed
     * @param reloadInterval     how often the PEM files are checked for changes; zero turns reloading off
     */
    public record Common(Path certificate, Path privateKey, String privateKeyPassword, Path trustCertificates,
                         List<String> revoked, List<String> protocols, List<String> ciphers, Provider provider,
                         Duration handshakeTimeout, Duration reloadInterval) {
        public Common {
            revoked = List.copyOf(requireNonNull(revoked, "revoked"));
            protocols = List.copyOf(requireNonNull(protocols, "protocols"));
            ciphers = List.copyOf(requireNonNull(ciphers, "ciphers"));
            requireNonNull(provider, "provider");
            requireNonNull(handshakeTimeout, "handshakeTimeout");
            requireNonNull(reloadInterval, "reloadInterval");
            if ((certificate == null) != (privateKey == null)) {
                throw new IllegalArgumentException("TLS certificate and private-key must be set together");
            }
            if (protocols.isEmpty()) {
                throw new IllegalArgumentException("TLS protocols must name at least one version");
            }
            for (String p : protocols) {
                if (!p.equals("TLSv1.3") && !p.equals("TLSv1.2")) {
                    throw new IllegalArgumentException("TLS protocol " + p + " is not supported (TLSv1.3, TLSv1.2)");
                }
            }
            if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
                throw new IllegalArgumentException("TLS handshake-timeout must be positive");
            }
            if (reloadInterval.isNegative()) {
                throw new IllegalArgumentException("TLS reload-interval must not be negative");
            }
        }

        /** Whether a certificate and key are configured. */
        public boolean hasKeyPair() {
            return certificate != null;
        }

        /** A copy with another key pair (certificate chain and PKCS#8 key). */
        public Common withKeyPair(Path certificate, Path privateKey) {
            return new Common(certificate, privateKey, privateKeyPassword, trustCertificates, revoked, protocols,
                    ciphers, provider, handshakeTimeout, reloadInterval);
        }

        /** A copy trusting the CA certificates in {@code trustCertificates}. */
        public Common withTrust(Path trustCertificates) {
            return new Common(certificate, privateKey, privateKeyPassword, trustCertificates, revoked, protocols,
                    ciphers, provider, handshakeTimeout, reloadInterval);
        }

        /** A copy with other settings of the same kind (revocations, versions, provider, timeouts). */
        public Common with(List<String> revoked, List<String> protocols, Provider provider, Duration handshakeTimeout,
                           Duration reloadInterval) {
            return new Common(certificate, privateKey, privateKeyPassword, trustCertificates, revoked, protocols,
                    ciphers, provider, handshakeTimeout, reloadInterval);
        }

        static Common fromConfig(Config c) {
            return new Common(path(c, "certificate"), path(c, "private-key"),
                    c.getString("private-key-password").isEmpty() ? null : c.getString("private-key-password"),
                    path(c, "trust-certificates"), c.getStringList("revoked"), c.getStringList("protocols"),
                    c.getStringList("ciphers"), Provider.valueOf(upper(c.getString("provider"))),
                    c.getDuration("handshake-timeout"), c.getDuration("reload-interval"));
        }
    }

    /**
     * A server port's TLS.
     *
     * @param mode                    off, optional (TLS and plaintext) or required
     * @param clientAuth              whether client certificates are asked for
     * @param maxConcurrentHandshakes handshakes in progress on one server above which a new TLS
     *                                connection is closed at once (bounds what slow or stuck handshakes hold)
     * @param common                  key material and protocol settings
     */
    public record Server(Mode mode, ClientAuth clientAuth, int maxConcurrentHandshakes, Common common) {
        public Server {
            requireNonNull(mode, "mode");
            requireNonNull(clientAuth, "clientAuth");
            requireNonNull(common, "common");
            if (mode != Mode.OFF && !common.hasKeyPair()) {
                throw new IllegalArgumentException("skein.tls.server.mode = " + mode.name().toLowerCase(Locale.ROOT)
                        + " needs skein.tls.server.certificate and private-key");
            }
            if (clientAuth != ClientAuth.NONE && common.trustCertificates() == null) {
                throw new IllegalArgumentException("skein.tls.server.client-auth = "
                        + clientAuth.name().toLowerCase(Locale.ROOT) + " needs skein.tls.server.trust-certificates");
            }
            if (maxConcurrentHandshakes < 1) {
                throw new IllegalArgumentException("skein.tls.server.max-concurrent-handshakes must be at least 1");
            }
        }

        /** Whether the port accepts TLS connections. */
        public boolean enabled() {
            return mode != Mode.OFF;
        }

        /** A copy in another mode. */
        public Server withMode(Mode mode) {
            return new Server(mode, clientAuth, maxConcurrentHandshakes, common);
        }

        /** A copy asking for client certificates as {@code clientAuth} says. */
        public Server withClientAuth(ClientAuth clientAuth) {
            return new Server(mode, clientAuth, maxConcurrentHandshakes, common);
        }

        /** A copy with another handshake limit. */
        public Server withMaxConcurrentHandshakes(int max) {
            return new Server(mode, clientAuth, max, common);
        }

        /** A copy with other key material and protocol settings. */
        public Server withCommon(Common common) {
            return new Server(mode, clientAuth, maxConcurrentHandshakes, common);
        }

        /** Reads {@code skein.tls.server} from a config that includes the transport's {@code reference.conf}. */
        public static Server fromConfig(Config config) {
            Config c = config.getConfig("skein.tls.server");
            return new Server(Mode.valueOf(upper(c.getString("mode"))), ClientAuth.valueOf(upper(c.getString("client-auth"))),
                    c.getInt("max-concurrent-handshakes"), Common.fromConfig(c));
        }
    }

    /**
     * TLS towards servers ({@code skeins://}, {@code grpcs://}).
     *
     * @param verifyHostname whether the server's certificate must name the host connected to (or
     *                       {@code serverName}); off only for tests against certificates without names
     * @param serverName     the name sent as SNI and verified instead of the target's host, or {@code null}
     * @param common         key material (a client certificate for mutual TLS, the CAs trusted) and
     *                       protocol settings
     */
    public record Client(boolean verifyHostname, String serverName, Common common) {
        public Client {
            requireNonNull(common, "common");
            if (serverName != null && serverName.isBlank()) {
                serverName = null;
            }
        }

        /** A copy presenting another client certificate and key. */
        public Client withKeyPair(Path certificate, Path privateKey) {
            return new Client(verifyHostname, serverName, common.withKeyPair(certificate, privateKey));
        }

        /** A copy trusting the CA certificates in {@code trustCertificates}. */
        public Client withTrust(Path trustCertificates) {
            return new Client(verifyHostname, serverName, common.withTrust(trustCertificates));
        }

        /** A copy verifying (and sending as SNI) {@code serverName} instead of the target's host. */
        public Client withServerName(String serverName) {
            return new Client(verifyHostname, serverName, common);
        }

        /** A copy with other key material and protocol settings. */
        public Client withCommon(Common common) {
            return new Client(verifyHostname, serverName, common);
        }

        /** Reads {@code skein.tls.client} from a config that includes the transport's {@code reference.conf}. */
        public static Client fromConfig(Config config) {
            Config c = config.getConfig("skein.tls.client");
            return new Client(c.getBoolean("verify-hostname"), c.getString("server-name"), Common.fromConfig(c));
        }
    }

    private TlsSettings() {
    }

    private static Path path(Config c, String key) {
        String value = c.getString(key);
        return value.isBlank() ? null : Path.of(value);
    }

    private static String upper(String value) {
        return value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
