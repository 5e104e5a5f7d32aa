package io.skein.runtime.cluster;

import com.typesafe.config.ConfigFactory;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.reflection.Greeters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Test nodes serving the Greeter that form a cluster of their own on loopback, with pekko-management. */
final class ClusteredNodes {

    private ClusteredNodes() {
    }

    /** A free TCP port on this machine (free when asked; bind it soon). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A node that joins itself ({@code join = self}), RPC and Artery on free loopback ports, management on
     * {@code managementPort}; {@code extra} HOCON lines override the rest.
     */
    static SkeinNode selfJoined(int managementPort, String... extra) {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString(String.join("\n", extra)).withFallback(ConfigFactory.parseString(
                        String.join("\n",
                                "skein.server { host = \"127.0.0.1\", port = 0 }",
                                "skein.cluster { enabled = on, join = self }",
                                "pekko.loglevel = WARNING",
                                "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = 0 }",
                                "pekko.management.http { hostname = \"127.0.0.1\", port = " + managementPort + " }"))))
                .service(Greeters.definition())
                .start();
    }
}
