package io.skein.transport.internal.tls;

import io.skein.transport.tls.TlsSettings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.annotation.InternalApi;

/**
 * The client TLS contexts of one actor system, one per settings and ALPN id, shared by every channel
 * that uses them (a context holds the session cache, so sharing it lets reconnections resume sessions),
 * each watching its files for changes until the system terminates.
 */
@InternalApi
public final class TlsClientContexts implements Extension {

    private record Key(TlsSettings.Client settings, String alpn) {
    }

    private final ActorSystem<?> system;
    private final Map<Key, ReloadingSslContext> contexts = new ConcurrentHashMap<>();

    private TlsClientContexts(ActorSystem<?> system) {
        this.system = system;
        system.getWhenTerminated().thenRun(() -> contexts.values().forEach(ReloadingSslContext::stop));
    }

    /** The contexts of {@code system}. */
    public static TlsClientContexts get(ActorSystem<?> system) {
        return Id.INSTANCE.apply(system);
    }

    /**
     * The context for {@code settings} offering {@code alpn}, loaded on first use.
     *
     * @throws IllegalArgumentException when its key material cannot be loaded
     */
    public ReloadingSslContext context(TlsSettings.Client settings, String alpn) {
        return contexts.computeIfAbsent(new Key(settings, alpn),
                k -> ReloadingSslContext.client(settings, alpn).watch(system));
    }

    private static final class Id extends ExtensionId<TlsClientContexts> {
        static final Id INSTANCE = new Id();

        @Override
        public TlsClientContexts createExtension(ActorSystem<?> system) {
            return new TlsClientContexts(system);
        }
    }
}
