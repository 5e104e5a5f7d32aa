package io.skein.runtime.cluster;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code skein.cluster} settings of a node (documented with their defaults in the runtime's
 * {@code reference.conf}).
 *
 * @param enabled             whether the node joins a Pekko Cluster
 * @param join                how it finds the cluster
 * @param management          whether pekko-management's HTTP endpoint is started
 * @param advertiseHost       host published in entries; empty: derived (see reference.conf)
 * @param advertisePort       port published in entries; 0: the bound RPC port
 * @param protocols           target schemes the RPC port answers
 * @param weight              relative share of calls for weighted balancers
 * @param tags                free-form labels (zone, version)
 * @param propagationDelay    how long a leaving node keeps serving after withdrawing its entries
 * @param clientProtocol      the scheme {@code cluster://} channels use to reach instances
 * @param retireAfter         how long a departed instance's channel stays open
 * @param transparentRetries  resends of a unary call refused before processing
 */
public record ClusterSettings(boolean enabled, Join join, boolean management, String advertiseHost, int advertisePort,
        Set<String> protocols, int weight, Map<String, String> tags, Duration propagationDelay,
        String clientProtocol, Duration retireAfter, int transparentRetries) {

    /** The role a member takes when it only calls and serves nothing. */
    public static final String CLIENT_ROLE = "client";

    /** How a node finds the cluster ({@code skein.cluster.join}). */
    public enum Join {
        /** pekko-management's ClusterBootstrap over pekko.discovery. */
        BOOTSTRAP,
        /** Pekko's {@code pekko.cluster.seed-nodes}. */
        SEED_NODES,
        /** Form a one-node cluster at once. */
        SELF,
        /** Join nothing; the application joins. */
        MANUAL;

        static Join parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("skein.cluster.join must be bootstrap, seed-nodes, self or manual: "
                        + value);
            }
        }
    }

    public ClusterSettings {
        requireNonNull(join, "join");
        requireNonNull(advertiseHost, "advertiseHost");
        protocols = Set.copyOf(protocols);
        tags = Map.copyOf(tags);
        requireNonNull(propagationDelay, "propagationDelay");
        requireNonNull(clientProtocol, "clientProtocol");
        requireNonNull(retireAfter, "retireAfter");
        if (weight < 1) {
            throw new IllegalArgumentException("skein.cluster.weight must be at least 1: " + weight);
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("skein.cluster.protocols must not be empty");
        }
        if (transparentRetries < 0) {
            throw new IllegalArgumentException("skein.cluster.client.transparent-retries must not be negative");
        }
    }

    /** The settings under {@code skein.cluster} of {@code config} (a resolved config with the runtime's defaults). */
    public static ClusterSettings from(Config config) {
        Config c = requireNonNull(config, "config").getConfig("skein.cluster");
        Map<String, String> tags = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : c.getConfig("tags").entrySet()) {
            tags.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        List<String> protocols = c.getStringList("protocols");
        return new ClusterSettings(
                c.getBoolean("enabled"),
                Join.parse(c.getString("join")),
                c.getBoolean("management"),
                c.getString("advertise-host"),
                c.getInt("advertise-port"),
                Set.copyOf(protocols),
                c.getInt("weight"),
                tags,
                c.getDuration("shutdown.propagation-delay"),
                c.getString("client.protocol"),
                c.getDuration("client.retire-after"),
                c.getInt("client.transparent-retries"));
    }
}
