package io.skein.transport.internal.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.skein.transport.tls.TlsSettings;
import java.util.List;
import javax.net.ssl.X509ExtendedTrustManager;

/** Builds Netty {@link SslContext}s from {@link TlsSettings} and the {@link KeyMaterial} read for them. */
final class TlsContexts {

    /** The ALPN id of Skein's native protocol (TTHeader frames) over TLS. */
    static final String ALPN_SKEIN = "skein";
    /** The ALPN id of HTTP/2 (gRPC). */
    static final String ALPN_H2 = "h2";

    private TlsContexts() {
    }

    /** The provider {@code provider} resolves to here. */
    static SslProvider provider(TlsSettings.Provider provider) {
        return switch (provider) {
            case JDK -> SslProvider.JDK;
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalStateException("TLS provider openssl needs netty-tcnative-boringssl-static on the class path ("
                            + OpenSsl.unavailabilityCause() + ")");
                }
                yield SslProvider.OPENSSL;
            }
        };
    }

    /** A server context: the server's key pair, client certificates as {@code server} says, ALPN h2 and skein. */
    static SslContext server(TlsSettings.Server server, KeyMaterial material) throws Exception {
        TlsSettings.Common common = server.common();
        java.security.cert.X509Certificate[] chain = material.chain();
        SslContextBuilder builder = SslContextBuilder.forServer(material.privateKey(common.privateKeyPassword(), chain[0]),
                chain);
        X509ExtendedTrustManager trust = material.trustManager(common.revoked(), false);
        if (trust != null) {
            builder.trustManager(trust);
        }
        builder.clientAuth(switch (server.clientAuth()) {
            case NONE -> ClientAuth.NONE;
            case OPTIONAL -> ClientAuth.OPTIONAL;
            case REQUIRE -> ClientAuth.REQUIRE;
        });
        return common(builder, common, List.of(ALPN_H2, ALPN_SKEIN)).build();
    }

    /** A client context offering {@code alpn}, verifying the server as {@code client} says. */
    static SslContext client(TlsSettings.Client client, KeyMaterial material, List<String> alpn) throws Exception {
        TlsSettings.Common common = client.common();
        SslContextBuilder builder = SslContextBuilder.forClient()
                .trustManager(material.trustManager(common.revoked(), true))
                .endpointIdentificationAlgorithm(client.verifyHostname() ? "HTTPS" : null);
        if (material.hasKeyPair()) {
            java.security.cert.X509Certificate[] chain = material.chain();
            builder.keyManager(material.privateKey(common.privateKeyPassword(), chain[0]), chain);
        }
        return common(builder, common, alpn).build();
    }

    private static SslContextBuilder common(SslContextBuilder builder, TlsSettings.Common common, List<String> alpn) {
        builder.sslProvider(provider(common.provider()))
                .protocols(common.protocols())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        if (!common.ciphers().isEmpty()) {
            builder.ciphers(common.ciphers());
        }
        return builder;
    }
}
