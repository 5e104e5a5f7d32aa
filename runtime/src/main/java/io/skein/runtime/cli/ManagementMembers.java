package io.skein.runtime.cli;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import io.skein.runtime.cluster.internal.ClusterTls;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code members} without joining: asks the contact points of the cluster a configuration describes
 * for {@code GET /skein/members} on their pekko-management endpoint (see
 * {@code io.skein.runtime.cluster.internal.MembersRoute}) and prints the first answer, one line per
 * member. No actor system, no membership change in the cluster: a fraction of a second.
 *
 * <p>The contact points are those of {@code pekko.discovery} method {@code config} (the bootstrap's
 * service name, {@code pekko.discovery.config.services.NAME.endpoints}) or the management endpoints
 * named with {@code --management HOST:PORT} (for clusters found through DNS or the Kubernetes API, e.g.
 * through {@code kubectl port-forward}). Runs on the caller's thread; the requests are bounded by the
 * wait given.
 */
public final class ManagementMembers {

    /** Options of {@code members}. */
    public static final Set<String> OPTIONS = Set.of("config", "management", "timeout");

    /** The bound of one contact point's answer (within the command's overall wait). */
    private static final Duration PER_CONTACT_POINT = Duration.ofSeconds(5);
    private static final String BOOTSTRAP = "pekko.management.cluster.bootstrap.contact-point-discovery.";
    /** The actor system name of a SkeinNode: the bootstrap's service name when none is configured. */
    private static final String SYSTEM_NAME = "skein";

    private ManagementMembers() {
    }

    /**
     * The {@code /skein/members} URIs of the contact points {@code config} lists for discovery method
     * {@code config}, in order; empty when the cluster is found another way (DNS, Kubernetes API).
     */
    public static List<URI> endpoints(Config config) {
        requireNonNull(config, "config");
        String method = config.getString(BOOTSTRAP + "discovery-method");
        if (method.equals("pekko.discovery")) {
            method = config.hasPath("pekko.discovery.method") ? config.getString("pekko.discovery.method") : "";
        }
        String name = config.getString(BOOTSTRAP + "service-name");
        if (name.startsWith("<")) {
            name = SYSTEM_NAME;
        }
        String path = ConfigUtil.joinPath("pekko", "discovery", "config", "services", name, "endpoints");
        if (!method.equals("config") || !config.hasPath(path)) {
            return List.of();
        }
        int fallbackPort = config.getInt("pekko.management.http.port");
        List<URI> uris = new ArrayList<>();
        for (Config endpoint : config.getConfigList(path)) {
            uris.add(uri(endpoint.getString("host").replaceAll("^\\[|]$", ""),
                    endpoint.hasPath("port") ? endpoint.getInt("port") : fallbackPort, config));
        }
        return uris;
    }

    /**
     * The {@code /skein/members} URI of the management endpoint {@code hostPort} (a {@code --management}
     * option), under {@code config}'s {@code pekko.management.http.base-path}.
     *
     * @throws IllegalArgumentException (a usage error) when it is not HOST:PORT
     */
    public static URI endpoint(String hostPort, Config config) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon > 0 ? hostPort.substring(0, colon) : "";
        int port = -1;
        try {
            port = colon > 0 ? Integer.parseInt(hostPort.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            // reported below
        }
        if (host.isEmpty() || port <= 0 || port > 65535) {
            throw new IllegalArgumentException("--management needs HOST:PORT of a node's management endpoint, got "
                    + hostPort);
        }
        return uri(host.replaceAll("^\\[|]$", ""), port, config);
    }

    private static URI uri(String host, int port, Config config) {
        String basePath = config.getString("pekko.management.http.base-path");
        String prefix = basePath.isEmpty() ? "" : "/" + basePath.replaceAll("^/+|/+$", "");
        String authority = host.contains(":") ? "[" + host + "]" : host;
        String scheme = ClusterTls.enabled(config) ? "https" : "http";
        return URI.create(scheme + "://" + authority + ":" + port + prefix + "/skein/members");
    }

    /**
     * Prints the members as the first contact point that answers sees them, one line per member
     * ({@code MemberInfo}'s form), and returns 0.
     *
     * @throws io.skein.protocols.StatusException {@code UNAVAILABLE} naming each contact point and why
     *         it gave no list, when none did within {@code wait}
     */
    public static int print(List<URI> endpoints, Duration wait, PrintStream out) {
        return print(endpoints, wait, out, null);
    }

    /**
     * As {@link #print(List, Duration, PrintStream)}, reading {@code https} endpoints with the TLS
     * settings of {@code config} (cluster TLS serves pekko-management over HTTPS).
     *
     * @throws IllegalArgumentException when an endpoint is {@code https} and {@code config} names no CA
     */
    public static int print(List<URI> endpoints, Duration wait, PrintStream out, Config config) {
        javax.net.ssl.SSLSocketFactory tls = config != null && endpoints.stream().anyMatch(u -> "https".equals(u.getScheme()))
                ? ClusterTls.managementClient(config).getSocketFactory() : null;
        long deadline = System.nanoTime() + wait.toNanos();
        List<String> failures = new ArrayList<>();
        for (URI uri : endpoints) {
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            if (left.isNegative() || left.isZero()) {
                failures.add(uri.getAuthority() + " (not asked: --timeout reached)");
                continue;
            }
            String failure = ask(uri, min(PER_CONTACT_POINT, left), out, tls);
            if (failure == null) {
                return ExitCodes.OK;
            }
            failures.add(uri.getAuthority() + " (" + failure + ")");
        }
        throw Status.of(StatusCode.UNAVAILABLE, "no contact point listed the cluster's members: "
                + String.join(", ", failures) + "; is the cluster running?").asException();
    }

    /**
     * Asks one contact point for the lines (plain {@link HttpURLConnection}: a fraction of the classes
     * {@code java.net.http} would load); prints them and returns null on success, else returns why not.
     */
    private static String ask(URI uri, Duration timeout, PrintStream out, javax.net.ssl.SSLSocketFactory tls) {
        HttpURLConnection http = null;
        try {
            http = (HttpURLConnection) uri.toURL().openConnection();
            if (tls != null && http instanceof javax.net.ssl.HttpsURLConnection https) {
                https.setSSLSocketFactory(tls);
            }
            http.setConnectTimeout((int) Math.max(1, timeout.toMillis()));
            http.setReadTimeout((int) Math.max(1, timeout.toMillis()));
            http.setRequestProperty("Accept", "text/plain");
            int code = http.getResponseCode();
            if (code != 200) {
                String why = body(http.getErrorStream()).strip();
                return "HTTP " + code + (code == 404 ? ": not a Skein node" : why.isEmpty() ? "" : ": " + why);
            }
            String type = http.getContentType();
            if (type == null || !type.startsWith("text/plain")) {
                return "answered " + type + ", not a member list";
            }
            String lines = body(http.getInputStream());
            out.print(lines.endsWith("\n") || lines.isEmpty() ? lines : lines + "\n");
            out.flush();
            return null;
        } catch (SocketTimeoutException e) {
            return "no answer within " + timeout.toMillis() + " ms";
        } catch (ConnectException e) {
            return "connection refused";
        } catch (IOException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } finally {
            if (http != null) {
                http.disconnect();
            }
        }
    }

    private static String body(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
