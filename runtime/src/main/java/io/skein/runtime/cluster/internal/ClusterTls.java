package io.skein.runtime.cluster.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import io.netty.handler.ssl.JdkSslContext;
import io.skein.transport.internal.tls.ReloadingSslContext;
import io.skein.transport.tls.TlsSettings;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;

/**
 * Cluster traffic over TLS from the node's own key material ({@code skein.cluster.tls.enabled}): Artery
 * runs Pekko's {@code tls-tcp} transport with its rotating-keys SSL engine provider reading the same PEM
 * files as the RPC port (certificate, private key, CA bundle; reloaded by Pekko when they change), and
 * pekko-management serves HTTPS with the same certificate. The files are those of
 * {@code skein.tls.server}, or of {@code skein.tls.client} for a member that serves nothing.
 *
 * <p>Pekko's provider requires mutual TLS and, instead of host names, checks that the peer's
 * certificate shares a subject name (CN or DNS SAN) with the node's own: give every node a certificate
 * with a common cluster name. It reads RSA keys only.
 */
public final class ClusterTls {

    private static final String PROVIDER = "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider";

    private ClusterTls() {
    }

    /** Whether cluster traffic is encrypted. */
    public static boolean enabled(Config config) {
        return config.getBoolean("skein.cluster.tls.enabled");
    }

    /**
     * {@code config} with Artery over TLS when {@code skein.cluster.tls.enabled}, else {@code config}.
     *
     * @throws IllegalArgumentException when no certificate, key and CA bundle are configured
     */
    public static Config overlay(Config config) {
        if (!enabled(config)) {
            return config;
        }
        String cert = file(config, "certificate");
        String key = file(config, "private-key");
        String ca = file(config, "trust-certificates");
        if (cert == null || key == null || ca == null) {
            throw new IllegalArgumentException("skein.cluster.tls.enabled needs certificate, private-key and "
                    + "trust-certificates in skein.tls.server (or skein.tls.client for a member that serves nothing)");
        }
        String engine = "pekko.remote.artery.ssl.rotating-keys-engine.";
        return ConfigFactory.parseString(String.join("\n",
                        "pekko.remote.artery.transport = tls-tcp",
                        "pekko.remote.artery.ssl.ssl-engine-provider = \"" + PROVIDER + "\"",
                        engine + "key-file = " + ConfigUtil.quoteString(key),
                        engine + "cert-file = " + ConfigUtil.quoteString(cert),
                        engine + "ca-cert-file = " + ConfigUtil.quoteString(ca),
                        engine + "ssl-context-cache-ttl = " + config.getString("skein.cluster.tls.reload-interval")))
                .withFallback(config);
    }

    /**
     * The HTTPS context of pekko-management: the server certificate of {@code skein.tls.server} (JDK
     * provider, no client certificates, reloaded with the files), for each new connection.
     */
    public static HttpsConnectionContext managementHttps(ActorSystem<?> system) {
        Config config = system.settings().config();
        TlsSettings.Server server = TlsSettings.Server.fromConfig(config);
        TlsSettings.Common c = server.common();
        if (!c.hasKeyPair()) {
            throw new IllegalArgumentException("skein.cluster.tls.enabled: pekko-management over HTTPS needs "
                    + "skein.tls.server.certificate and private-key");
        }
        TlsSettings.Server jdk = server.withMode(TlsSettings.Mode.REQUIRED).withClientAuth(TlsSettings.ClientAuth.NONE)
                .withCommon(c.with(c.revoked(), c.protocols(), TlsSettings.Provider.JDK, c.handshakeTimeout(),
                        c.reloadInterval()));
        ReloadingSslContext context = ReloadingSslContext.server(jdk).watch(system);
        system.getWhenTerminated().thenRun(context::stop);
        return ConnectionContext.httpsServer(() -> {
            SSLEngine engine = ((JdkSslContext) context.current()).context().createSSLEngine();
            engine.setUseClientMode(false);
            engine.setEnabledProtocols(c.protocols().toArray(String[]::new));
            return engine;
        });
    }

    /**
     * The JDK TLS context a client (the {@code members} command) reads pekko-management with over HTTPS:
     * the CA bundle of {@code skein.tls.client} (or, for a node's own configuration, of
     * {@code skein.tls.server}), the server's name verified by the caller, its client certificate if any.
     *
     * @throws IllegalArgumentException when no CA bundle is configured or the files cannot be read
     */
    public static javax.net.ssl.SSLContext managementClient(Config config) {
        TlsSettings.Client client = TlsSettings.Client.fromConfig(config);
        TlsSettings.Common c = client.common();
        if (c.trustCertificates() == null) {
            java.nio.file.Path ca = TlsSettings.Server.fromConfig(config).common().trustCertificates();
            if (ca == null) {
                throw new IllegalArgumentException("skein.cluster.tls.enabled: reading pekko-management over HTTPS "
                        + "needs skein.tls.client.trust-certificates (the cluster's CA bundle)");
            }
            c = c.withTrust(ca);
        }
        c = c.with(c.revoked(), c.protocols(), TlsSettings.Provider.JDK, c.handshakeTimeout(), c.reloadInterval());
        return ((JdkSslContext) ReloadingSslContext.client(client.withCommon(c), "http/1.1").current()).context();
    }

    private static String file(Config config, String key) {
        for (String side : new String[] {"server", "client"}) {
            String value = config.getString("skein.tls." + side + "." + key);
            if (!value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
