package io.skein.transport.tls;

import static java.util.Objects.requireNonNull;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * What a server knows of a call's TLS connection once its handshake finished: the version, cipher suite
 * and ALPN protocol, and the client's verified certificate chain when it sent one (mutual TLS). The
 * identity helpers read the leaf certificate: its subject, common name and subject alternative names.
 * Immutable; one per connection, shared by its calls.
 *
 * @param protocol            the TLS version ("TLSv1.3")
 * @param cipherSuite         the negotiated cipher suite
 * @param applicationProtocol the ALPN protocol ("h2", "skein"), or {@code null} when none was negotiated
 * @param peerCertificates    the client's chain, leaf first, as verified; empty without mutual TLS
 */
public record TlsPeer(String protocol, String cipherSuite, String applicationProtocol,
                      List<X509Certificate> peerCertificates) {

    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    public TlsPeer {
        requireNonNull(protocol, "protocol");
        requireNonNull(cipherSuite, "cipherSuite");
        peerCertificates = List.copyOf(requireNonNull(peerCertificates, "peerCertificates"));
    }

    /** The client's verified leaf certificate, empty when it sent none. */
    public Optional<X509Certificate> certificate() {
        return peerCertificates.isEmpty() ? Optional.empty() : Optional.of(peerCertificates.get(0));
    }

    /** The leaf certificate's subject in RFC 2253 form ("CN=alice,O=Example"), empty without one. */
    public Optional<String> subject() {
        return certificate().map(c -> c.getSubjectX500Principal().getName());
    }

    /** The leaf certificate's (most specific) common name, empty without a certificate or CN. */
    public Optional<String> commonName() {
        return subject().flatMap(TlsPeer::commonNameOf);
    }

    /** The DNS subject alternative names of the leaf certificate. */
    public List<String> dnsNames() {
        return sans(SAN_DNS);
    }

    /** The URI subject alternative names of the leaf certificate (SPIFFE ids, for example). */
    public List<String> uris() {
        return sans(SAN_URI);
    }

    /** The IP address subject alternative names of the leaf certificate. */
    public List<String> ipAddresses() {
        return sans(SAN_IP);
    }

    private List<String> sans(int type) {
        Optional<X509Certificate> leaf = certificate();
        if (leaf.isEmpty()) {
            return List.of();
        }
        try {
            Collection<List<?>> names = leaf.get().getSubjectAlternativeNames();
            if (names == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (List<?> name : names) {
                if (name.size() >= 2 && name.get(0) instanceof Integer t && t == type && name.get(1) instanceof String s) {
                    out.add(s);
                }
            }
            return List.copyOf(out);
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    private static Optional<String> commonNameOf(String subject) {
        try {
            List<Rdn> rdns = new LdapName(subject).getRdns();
            // LdapName lists the RDNs from the least specific; the last CN is the most specific.
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if ("CN".equalsIgnoreCase(rdns.get(i).getType())) {
                    return Optional.of(String.valueOf(rdns.get(i).getValue()));
                }
            }
            return Optional.empty();
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "TlsPeer{" + protocol + ", " + cipherSuite + (applicationProtocol == null ? "" : ", alpn=" + applicationProtocol)
                + subject().map(s -> ", subject=" + s).orElse("") + '}';
    }
}
