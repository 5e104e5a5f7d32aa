package io.skein.examples;

import com.typesafe.config.ConfigFactory;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.EchoService;
import io.skein.examples.echo.EchoSkein;
import io.skein.examples.echo.RepeatRequest;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.cli.CliErrors;
import io.skein.transport.CallOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code demo}: three clustered nodes in this process, formed by pekko-management's ClusterBootstrap
 * with {@code config} discovery (as {@code examples/cluster/local.conf} does across processes), and a
 * client on the first node walking through the four call kinds through {@code cluster://}, showing
 * which node served each call.
 */
public final class Demo {

    private static final String ECHO = "skein.examples.echo.Echo";
    private static final Duration FORMING = Duration.ofSeconds(60);
    /** How often the demo picks free management ports again when another process took one first. */
    private static final int START_ATTEMPTS = 3;

    private Demo() {
    }

    /** Runs the demo, printing to {@code out}; returns 0 when every step worked. */
    public static int run(PrintStream out) {
        List<SkeinNode> nodes = new ArrayList<>();
        try {
            startNodes(nodes);
            for (SkeinNode n : nodes) {
                out.println("node " + n.nodeId() + " serving " + n.services() + " at " + n.target()
                        + n.metricsAddress().map(a -> "; metrics on http://127.0.0.1:" + a.getPort() + "/metrics")
                                .orElse(""));
            }
            SkeinNode node = nodes.get(0);
            for (SkeinNode n : nodes) {
                n.whenReady().toCompletableFuture().get(FORMING.toMillis(), TimeUnit.MILLISECONDS);
            }
            awaitInstances(node, nodes.size());
            out.println("cluster formed by ClusterBootstrap (config discovery): " + node.registry().members().size()
                    + " members Up; cluster://" + ECHO + " -> " + node.registry().instances(ECHO).snapshot().stream()
                    .map(i -> i.nodeId()).toList());
            EchoSkein.Client echo = EchoSkein.client(node.system(), "cluster://" + ECHO);
            Materializer mat = Materializer.matFromSystem(node.system());
            CallOptions options = CallOptions.timeout(Duration.ofSeconds(10))
                    .withMetadata(Metadata.builder().put("demo", "yes").build());

            EchoRequest hello = EchoRequest.newBuilder().setMessage("hello, skein").build();
            out.println("unary Say           -> " + brief(hello));
            out.println("                    <- " + brief(echo.say(hello, options).toCompletableFuture().join()));

            out.println("unary Say x6, round robin over the cluster's endpoints");
            for (int i = 1; i <= 6; i++) {
                EchoRequest r = EchoRequest.newBuilder().setMessage("call " + i).build();
                out.println("                    <- " + brief(echo.say(r, options).toCompletableFuture().join()));
            }

            RepeatRequest three = RepeatRequest.newBuilder().setMessage("tick").setCount(3).build();
            out.println("server stream Repeat -> {message: tick, count: 3}");
            List<EchoReply> ticks = echo.repeat(three, options).runWith(Sink.seq(), mat).toCompletableFuture().join();
            ticks.forEach(r -> out.println("                    <- " + brief(r)));

            List<EchoRequest> words = List.of("a", "b", "c").stream()
                    .map(w -> EchoRequest.newBuilder().setMessage(w).build()).toList();
            out.println("client stream Collect -> a, b, c");
            out.println("                    <- " + brief(echo.collect(Source.from(words), options)
                    .toCompletableFuture().join()));

            out.println("bidi stream Chat    -> x, y, z");
            List<EchoReply> answers = echo.chat(Source.from(List.of("x", "y", "z"))
                            .map(w -> EchoRequest.newBuilder().setMessage(w).build()), options)
                    .runWith(Sink.seq(), mat).toCompletableFuture().join();
            answers.forEach(r -> out.println("                    <- " + brief(r)));

            out.println("unary Say with fail_with=5 -> expect NOT_FOUND");
            try {
                echo.say(EchoRequest.newBuilder().setMessage("no such thing").setFailWith(5).build(), options)
                        .toCompletableFuture().join();
                out.println("unexpected success");
                return 1;
            } catch (CompletionException e) {
                out.println("                    <- " + ((StatusException) e.getCause()).status());
            }
            out.println("demo finished");
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("interrupted");
            return 1;
        } catch (ExecutionException | TimeoutException e) {
            out.println("the cluster did not form within " + FORMING.toSeconds() + " s: " + e);
            return 1;
        } finally {
            // All at once: each node withdraws, drains and leaves by itself.
            List<CompletableFuture<?>> stopping = new ArrayList<>();
            nodes.forEach(n -> stopping.add(n.shutdown().toCompletableFuture()));
            CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).join();
        }
    }

    /**
     * Starts the three nodes into {@code nodes}. The management ports are picked free beforehand (every
     * node's contact points list all three); should another process take one before its node binds it,
     * the nodes started so far are stopped and the demo picks again.
     */
    private static void startNodes(List<SkeinNode> nodes) {
        for (int attempt = 1; ; attempt++) {
            int[] management = {freePort(), freePort(), freePort()};
            try {
                for (int port : management) {
                    nodes.add(SkeinNode.builder()
                            .config(ConfigFactory.parseString(nodeConfig(port, management)))
                            .service(info -> EchoService.definition(info::nodeId))
                            .start());
                }
                return;
            } catch (RuntimeException e) {
                nodes.forEach(SkeinNode::close);
                nodes.clear();
                if (attempt == START_ATTEMPTS || !CliErrors.addressInUse(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * One node of the demo cluster: RPC and Artery on free ports on loopback, management on
     * {@code port}, contact points from config; joins only once all three answer.
     */
    private static String nodeConfig(int port, int[] management) {
        StringBuilder endpoints = new StringBuilder();
        for (int p : management) {
            endpoints.append("{ host = \"127.0.0.1\", port = ").append(p).append(" }\n");
        }
        return String.join("\n",
                "skein.server { host = \"127.0.0.1\", port = 0 }",
                // One Kamon per JVM: the three endpoints show the same (whole demo's) metrics.
                "skein.observability.http { host = \"127.0.0.1\", port = 0 }",
                "skein.cluster { enabled = on, join = bootstrap, shutdown.propagation-delay = 500ms }",
                "pekko.loglevel = WARNING",
                "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = 0 }",
                "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
                "pekko.management.http { hostname = \"127.0.0.1\", port = " + port + " }",
                "pekko.management.cluster.bootstrap.contact-point-discovery { service-name = skein-demo,",
                "  discovery-method = config, required-contact-point-nr = 3, stable-margin = 1s }",
                "pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port = false",
                // The nodes start one after the other; on a busy machine a contact point can take longer
                // than the default 3 s to answer, which pekko-management logs as an ERROR although it
                // simply probes again. The demo waits FORMING for the cluster anyway.
                "pekko.management.cluster.bootstrap.contact-point.probing-failure-timeout = "
                        + FORMING.toSeconds() + "s",
                "pekko.discovery.config.services.skein-demo.endpoints = [\n" + endpoints + "]");
    }

    private static void awaitInstances(SkeinNode node, int count) throws InterruptedException, ExecutionException,
            TimeoutException {
        CompletableFuture<Void> all = new CompletableFuture<>();
        try (AutoCloseable subscription = node.registry().instances(ECHO).subscribe(list -> {
            if (list.size() >= count) {
                all.complete(null);
            }
        })) {
            all.get(FORMING.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw e;
        } catch (Exception e) {
            throw new ExecutionException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String brief(EchoRequest r) {
        return "{message: " + r.getMessage() + "}";
    }

    private static String brief(EchoReply r) {
        return "{message: " + r.getMessage() + ", seq: " + r.getSeq() + ", served_by: " + r.getServedBy() + "}";
    }
}
