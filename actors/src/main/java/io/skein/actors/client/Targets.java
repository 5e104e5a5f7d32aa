package io.skein.actors.client;

import static java.util.Objects.requireNonNull;

import io.skein.transport.ClientChannel;
import io.skein.transport.EndpointChannel;
import io.skein.transport.tls.TlsSettings;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Opens a {@link ClientChannel} for a target URI. Built in: {@code skein://host:port} (a Skein server)
 * {@code kitex://host:port} (a Kitex server over TTHeader + Kitex Protobuf, unary calls only),
 * {@code grpc://host:port} (gRPC over HTTP/2, cleartext), and over TLS {@code skeins://host:port},
 * {@code grpcs://host:port} and {@code kitexs://host:port} (verified as {@code skein.tls.client} of the
 * actor system's configuration says);
 * higher modules register more schemes ({@code grpc://}, {@code cluster://}) with {@link #register}.
 */
public final class Targets {

    private static final Map<String, BiFunction<ActorSystem<?>, URI, ClientChannel>> SCHEMES = new ConcurrentHashMap<>();

    static {
        SCHEMES.put("skein", (system, uri) -> EndpointChannel.create(system, host(uri), port(uri)));
        SCHEMES.put("kitex", (system, uri) -> EndpointChannel.kitex(system,
                new java.net.InetSocketAddress(host(uri), port(uri))));
        SCHEMES.put("grpc", (system, uri) -> EndpointChannel.grpc(system,
                new java.net.InetSocketAddress(host(uri), port(uri))));
        SCHEMES.put("skeins", (system, uri) -> EndpointChannel.create(system,
                new java.net.InetSocketAddress(host(uri), port(uri)), clientTls(system)));
        SCHEMES.put("grpcs", (system, uri) -> EndpointChannel.grpc(system,
                new java.net.InetSocketAddress(host(uri), port(uri)), clientTls(system)));
        SCHEMES.put("kitexs", (system, uri) -> EndpointChannel.kitex(system,
                new java.net.InetSocketAddress(host(uri), port(uri)), clientTls(system)));
    }

    private Targets() {
    }

    /** Adds (or replaces) the channel factory for {@code scheme}. */
    public static void register(String scheme, BiFunction<ActorSystem<?>, URI, ClientChannel> factory) {
        SCHEMES.put(requireNonNull(scheme, "scheme"), requireNonNull(factory, "factory"));
    }

    /** A channel for {@code target}, e.g. {@code skein://127.0.0.1:8080}. */
    public static ClientChannel open(ActorSystem<?> system, String target) {
        requireNonNull(system, "system");
        URI uri = parse(target);
        var factory = SCHEMES.get(uri.getScheme());
        if (factory == null) {
            throw new IllegalArgumentException("unsupported target " + target + "; known schemes: "
                    + new java.util.TreeSet<>(SCHEMES.keySet()));
        }
        return factory.apply(system, uri);
    }

    private static TlsSettings.Client clientTls(ActorSystem<?> system) {
        return TlsSettings.Client.fromConfig(system.settings().config());
    }

    /**
     * {@code target} as a URI with a scheme; a target without one (such as {@code 127.0.0.1:8080})
     * fails with a message that suggests {@code skein://}.
     *
     * @throws IllegalArgumentException for a target that is not {@code scheme://...}
     */
    public static URI parse(String target) {
        requireNonNull(target, "target");
        if (!target.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("target " + target + " has no scheme; did you mean skein://"
                    + target + " ?");
        }
        try {
            return new URI(target);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("target " + target + " is not a valid URI: " + e.getReason());
        }
    }

    /** {@code scheme://host:port}, with an IPv6 literal in brackets. */
    public static String format(String scheme, String host, int port) {
        return scheme + "://" + (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The host of a {@code scheme://host:port} URI. */
    public static String host(URI uri) {
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("target has no host: " + uri);
        }
        return uri.getHost();
    }

    /** The port of a {@code scheme://host:port} URI. */
    public static int port(URI uri) {
        if (uri.getPort() < 0) {
            throw new IllegalArgumentException("target has no port: " + uri);
        }
        return uri.getPort();
    }
}
