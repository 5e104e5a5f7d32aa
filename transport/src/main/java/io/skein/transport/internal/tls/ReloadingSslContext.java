package io.skein.transport.internal.tls;

import io.netty.handler.ssl.SslContext;
import io.skein.transport.tls.TlsSettings;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.annotation.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS context new connections take, re-read from its PEM files when they change. Each connection
 * takes {@link #current()} as it starts and keeps that context's engine for its life, so a reload never
 * touches an established connection. The first load fails loudly (a server does not start with key
 * material it cannot read); a later load that fails (a half-written file, a key that does not match its
 * certificate) is logged once per change and the previous context stays.
 *
 * <p>Threads: {@link #current()} is a volatile read from any thread; {@link #reloadIfChanged()} runs on
 * the scheduler's thread (one at a time: it is synchronized).
 */
@InternalApi
public final class ReloadingSslContext {

    private static final Logger log = LoggerFactory.getLogger(ReloadingSslContext.class);

    /** Builds a context from the key material read. */
    @FunctionalInterface
    interface Builder {
        SslContext build(KeyMaterial material) throws Exception;
    }

    private final String what;
    private final TlsSettings.Common settings;
    private final Builder builder;
    private volatile SslContext current;
    private KeyMaterial loaded;
    private KeyMaterial failed; // the material whose load failed last, so a failure is logged once
    private Cancellable schedule;

    private ReloadingSslContext(String what, TlsSettings.Common settings, Builder builder) {
        this.what = what;
        this.settings = settings;
        this.builder = builder;
        try {
            this.loaded = KeyMaterial.read(settings);
            this.current = builder.build(loaded);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot load " + what + ": " + TlsErrors.describe(e), e);
        }
        log.debug("loaded {}{}", what, leafDescription(loaded));
    }

    /** The server context of {@code server} (throws {@link IllegalArgumentException} when it cannot load). */
    public static ReloadingSslContext server(TlsSettings.Server server) {
        return new ReloadingSslContext("TLS server key material", server.common(), m -> TlsContexts.server(server, m));
    }

    /** A client context of {@code client} offering ALPN {@code alpn} ("h2" or "skein"). */
    public static ReloadingSslContext client(TlsSettings.Client client, String alpn) {
        return new ReloadingSslContext("TLS client key material", client.common(),
                m -> TlsContexts.client(client, m, java.util.List.of(alpn)));
    }

    /** The context a new connection uses now. */
    public SslContext current() {
        return current;
    }

    /**
     * Checks the files every {@code reload-interval} on {@code system}'s scheduler until {@link #stop()};
     * does nothing when the interval is zero. Returns this.
     */
    public synchronized ReloadingSslContext watch(ActorSystem<?> system) {
        Duration every = settings.reloadInterval();
        if (!every.isZero() && schedule == null) {
            schedule = system.scheduler().scheduleAtFixedRate(every, every, this::reloadIfChanged,
                    system.executionContext());
        }
        return this;
    }

    /** Stops watching the files. */
    public synchronized void stop() {
        if (schedule != null) {
            schedule.cancel();
            schedule = null;
        }
    }

    /** Re-reads the files and, if their content changed and loads, makes it the context of new connections. */
    public synchronized boolean reloadIfChanged() {
        KeyMaterial read;
        try {
            read = KeyMaterial.read(settings);
        } catch (Exception e) {
            if (failed == null) {
                log.warn("{} not reloaded, keeping the previous one: {}", what, TlsErrors.describe(e));
                failed = loaded; // marks "a failure was logged" until a load succeeds
            }
            return false;
        }
        if (read.sameAs(loaded) || read.sameAs(failed)) {
            return false;
        }
        try {
            SslContext next = builder.build(read);
            current = next;
            loaded = read;
            failed = null;
            log.info("reloaded {}{}", what, leafDescription(read));
            return true;
        } catch (Exception e) {
            failed = read;
            log.warn("{} changed but does not load, keeping the previous one: {}", what, TlsErrors.describe(e));
            return false;
        }
    }

    private static String leafDescription(KeyMaterial material) {
        if (!material.hasKeyPair()) {
            return "";
        }
        try {
            X509Certificate leaf = material.leaf();
            return " (certificate " + leaf.getSubjectX500Principal().getName() + ", serial "
                    + leaf.getSerialNumber().toString(16) + ", valid until " + leaf.getNotAfter().toInstant() + ")";
        } catch (Exception e) {
            return "";
        }
    }
}
