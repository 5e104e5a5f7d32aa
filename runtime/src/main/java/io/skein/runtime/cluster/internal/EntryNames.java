package io.skein.runtime.cluster.internal;

import io.skein.governance.discovery.Instance;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Registry entries travel as the names of the actors registered with the Receptionist: the name is
 * replicated with the registration itself, so a subscriber learns host, port, protocols, weight and
 * tags from the {@code Listing} alone, with no ask per entry and no serializer of our own. Each field
 * is URL-encoded (letters, digits, {@code .-*_+} and {@code %XX} are all valid in actor path
 * elements) and fields are joined by {@code ~}, which URL encoding never emits.
 */
public final class EntryNames {

    private static final String SERVICE = "s";
    private static final String NODE = "n";
    private static final String SEP = "~";

    private EntryNames() {
    }

    /** The actor name of {@code instance}'s entry for {@code service}. */
    public static String service(String service, Instance instance) {
        return String.join(SEP, SERVICE, enc(service), enc(instance.nodeId()), enc(instance.host()),
                Integer.toString(instance.port()), enc(String.join(",", new java.util.TreeSet<>(instance.protocols()))),
                Integer.toString(instance.weight()), enc(tags(instance.tags())));
    }

    /** The instance a service entry's actor name describes, or {@code null} if it is not one. */
    public static Instance instance(String name) {
        String[] f = name.split(SEP, -1);
        if (f.length != 8 || !f[0].equals(SERVICE)) {
            return null;
        }
        try {
            return new Instance(dec(f[2]), dec(f[3]), Integer.parseInt(f[4]),
                    Set.copyOf(Arrays.asList(dec(f[5]).split(","))), Integer.parseInt(f[6]), tags(dec(f[7])));
        } catch (RuntimeException e) {
            return null; // not ours, or from an incompatible version: ignored rather than fatal
        }
    }

    /** The actor name of a node entry: the node's id and the services it serves. */
    public static String node(String nodeId, List<String> services) {
        return String.join(SEP, NODE, enc(nodeId), enc(String.join(",", services)));
    }

    /** A node entry's id and services, or {@code null} if the name is not one. */
    public static NodeEntry nodeEntry(String name) {
        String[] f = name.split(SEP, -1);
        if (f.length != 3 || !f[0].equals(NODE)) {
            return null;
        }
        String services = dec(f[2]);
        return new NodeEntry(dec(f[1]), services.isEmpty() ? List.of() : List.of(services.split(",")));
    }

    /** What a node entry says. */
    public record NodeEntry(String nodeId, List<String> services) {
    }

    private static String tags(Map<String, String> tags) {
        List<String> pairs = new ArrayList<>();
        new TreeMap<>(tags).forEach((k, v) -> pairs.add(enc(k) + "=" + enc(v)));
        return String.join("&", pairs);
    }

    private static Map<String, String> tags(String encoded) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (encoded.isEmpty()) {
            return tags;
        }
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            tags.put(dec(pair.substring(0, eq)), dec(pair.substring(eq + 1)));
        }
        return tags;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
