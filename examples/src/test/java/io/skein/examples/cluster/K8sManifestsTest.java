package io.skein.examples.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.runtime.cluster.ClusterSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests cannot run here; this keeps them consistent with the configuration they
 * mount: ports, port names, labels, replicas, probes and RBAC agree with {@code examples/k8s/skein.conf}.
 */
class K8sManifestsTest {

    private static final Path DIR = Path.of("k8s");

    private static String read(String file) throws IOException {
        return Files.readString(DIR.resolve(file));
    }

    private static int containerPort(String deployment, String name) {
        Matcher m = Pattern.compile("- name: " + name + "\\s+#?[^\\n]*\\n\\s+containerPort: (\\d+)").matcher(deployment);
        assertTrue(m.find(), "container port " + name);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void deploymentAgreesWithTheConfig() throws IOException {
        Config config = ConfigFactory.parseFile(DIR.resolve("skein.conf").toFile())
                .withFallback(ConfigFactory.load()).resolve();
        ClusterSettings cluster = ClusterSettings.from(config);
        assertTrue(cluster.enabled());
        assertEquals(ClusterSettings.Join.BOOTSTRAP, cluster.join());
        Config discovery = config.getConfig("pekko.management.cluster.bootstrap.contact-point-discovery");
        assertEquals("kubernetes-api", discovery.getString("discovery-method"));

        String deployment = read("deployment.yaml");
        assertEquals(config.getInt("skein.server.port"), containerPort(deployment, "rpc"));
        assertEquals(config.getInt("pekko.remote.artery.canonical.port"), containerPort(deployment, "remoting"));
        assertEquals(config.getInt("pekko.management.http.port"), containerPort(deployment, discovery.getString("port-name")));
        assertTrue(deployment.contains("replicas: " + discovery.getInt("required-contact-point-nr")), deployment);
        // The discovery's label selector app=%s, with %s the service name, matches the pods' label.
        assertEquals("app=%s", config.getString("pekko.discovery.kubernetes-api.pod-label-selector"));
        assertTrue(deployment.contains("app: " + discovery.getString("service-name")), deployment);
        assertTrue(deployment.contains("serviceAccountName: skein"), deployment);
        assertTrue(Pattern.compile("readinessProbe:\\s+httpGet:\\s+path: /ready\\s+port: management").matcher(deployment).find());
        assertTrue(Pattern.compile("livenessProbe:\\s+httpGet:\\s+path: /alive\\s+port: management").matcher(deployment).find());
        assertTrue(deployment.contains("args: [\"serve\", \"--config\", \"/etc/skein/skein.conf\"]"), deployment);
        assertTrue(deployment.contains("mountPath: /etc/skein"), deployment);
        assertTrue(read("kustomization.yaml").contains("- skein.conf"));

        String rbac = read("rbac.yaml");
        assertTrue(rbac.contains("resources: [\"pods\"]") && rbac.contains("verbs: [\"get\", \"watch\", \"list\"]"), rbac);
        assertTrue(rbac.contains("kind: RoleBinding") && rbac.contains("name: skein-pod-reader"), rbac);
    }
}
