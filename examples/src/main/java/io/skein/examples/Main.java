package io.skein.examples;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.examples.bench.BenchCommand;
import io.skein.examples.bench.LoadGenerator;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoService;
import io.skein.examples.grpc.testing.TestProto;
import io.skein.examples.interop.InteropCommand;
import io.skein.examples.interop.TestServiceActor;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.cli.Args;
import io.skein.runtime.cli.CallCommand;
import io.skein.runtime.cli.ClusterClient;
import io.skein.runtime.cluster.ClusterTargets;
import io.skein.protocols.StatusException;
import java.net.URI;
import java.time.Duration;
import java.io.File;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The {@code skein} command line: {@code serve}, {@code call}, {@code demo}, the load generator
 * {@code bench}, and gRPC's interop {@code interop-server} and {@code interop-client}. Run it as
 * {@code java -jar examples/target/skein.jar COMMAND}.
 */
public final class Main {

    private static final String USAGE = String.join("\n",
            "usage: java -jar skein.jar COMMAND",
            "  serve [--port N] [--host H] [--config FILE]   serve Echo; prints 'listening on HOST:PORT' (and, in a",
            "                                               cluster, 'registered as NODE' once its entries are published)",
            "  call TARGET package.Service/Method [JSON] [--timeout MS] [--metadata k=v]... [--repeat N] [--config FILE]",
            "                                               TARGET is skein://host:port, grpc://host:port or",
            "                                               cluster://package.Service (joins the cluster of --config",
            "                                               as a client member, waits up to --timeout for endpoints);",
            "                                               streaming requests are read from stdin, one JSON per line",
            "                                               (services not compiled in are resolved through the",
            "                                               server's gRPC reflection)",
            "  members [--config FILE] [--timeout MS]       join as a client member and print every member with its",
            "                                               status and the services it serves",
            "  demo                                          start three clustered nodes and walk through all four call",
            "                                               kinds through cluster://",
            BenchCommand.USAGE,
            "  interop-server --port N [--host H]            serve grpc.testing.TestService and Echo (gRPC interop)",
            "  interop-client --server_host H --server_port N --test_case NAME|all [--use_tls=false]",
            "                 [--ca_file PEM] [--server_host_override NAME] [--cert_file PEM --key_file PEM]",
            "                 [--transport grpc|skein]      run gRPC interop test cases; exit 0 only if all passed",
            "                                               (default transport grpc: target grpc://H:N)");

    private Main() {
    }

    public static void main(String[] argv) {
        // Initialize logging before Pekko and Netty start logging from several threads at once.
        org.slf4j.LoggerFactory.getILoggerFactory();
        System.exit(run(argv));
    }

    /** Runs a command and returns its exit code. */
    public static int run(String[] argv) {
        if (argv.length == 0) {
            System.err.println(USAGE);
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        try {
            return switch (argv[0]) {
                case "serve" -> serve(Args.parse(rest, Set.of("port", "host", "config"), Set.of()), false);
                case "interop-server" -> serve(Args.parse(rest, Set.of("port", "host", "config", "use_tls", "cert_file",
                                "key_file"), Set.of()),
                        true);
                case "interop-client" -> InteropCommand.client(Args.parse(rest, InteropCommand.CLIENT_OPTIONS, Set.of()),
                        System.out, System.err);
                case "call" -> call(Args.parse(rest, CallCommand.OPTIONS, Set.of()));
                case "members" -> members(Args.parse(rest, ClusterClient.MEMBERS_OPTIONS, Set.of()));
                case "demo" -> Demo.run(System.out);
                case "bench" -> bench(Args.parse(rest, BenchCommand.OPTIONS, BenchCommand.FLAGS));
                case "help", "--help", "-h" -> {
                    System.out.println(USAGE);
                    yield 0;
                }
                default -> {
                    System.err.println("unknown command " + argv[0] + "\n" + USAGE);
                    yield 2;
                }
            };
        } catch (IllegalArgumentException e) {
            System.err.println("ERROR: " + e.getMessage());
            return 2;
        }
    }

    private static Config config(Args args) {
        Config config = ConfigFactory.load();
        String file = args.get("config", null);
        if (file != null) {
            File f = new File(file);
            if (!f.isFile()) {
                throw new IllegalArgumentException("no config file " + file);
            }
            config = ConfigFactory.defaultOverrides().withFallback(ConfigFactory.parseFile(f))
                    .withFallback(ConfigFactory.load()).resolve();
        }
        return config;
    }

    private static int serve(Args args, boolean interop) {
        Config config = config(args);
        if (interop) {
            config = InteropCommand.serverTls(args, config);
        }
        if (args.has("port")) {
            config = ConfigFactory.parseString("skein.server.port = " + args.getInt("port", 8080)).withFallback(config);
        }
        if (args.has("host")) {
            config = ConfigFactory.parseMap(java.util.Map.of("skein.server.host", args.get("host", "0.0.0.0")))
                    .withFallback(config);
        }
        SkeinNode.Builder builder = SkeinNode.builder()
                .config(config)
                .service(info -> EchoService.definition(info::nodeId));
        if (interop) {
            builder.service(info -> TestServiceActor.definition(info::nodeId));
        }
        SkeinNode node = builder.start();
        CountDownLatch terminated = new CountDownLatch(1);
        node.system().getWhenTerminated().thenRun(terminated::countDown);
        String host = node.address().getAddress().isAnyLocalAddress()
                ? config.getString("skein.server.host") : node.address().getHostString();
        System.out.println("listening on " + host + ":" + node.address().getPort());
        System.out.flush();
        if (node.clustered()) {
            node.whenReady().thenRun(() -> {
                System.out.println("registered as " + node.nodeId() + " serving " + node.services());
                System.out.flush();
            });
        }
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static int bench(Args args) {
        LoadGenerator.Settings settings = BenchCommand.settings(args);
        Config config = ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(config(args));
        return BenchCommand.run(settings, config, args.has("governance"), args.has("json"), System.out, System.err);
    }

    private static int call(Args args) {
        if (!args.positionals().isEmpty() && args.positionals().get(0).startsWith(ClusterTargets.SCHEME + "://")) {
            return clusterCall(args);
        }
        Config config = ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(config(args));
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "skein-cli", config);
        try {
            return new CallCommand(system, List.of(EchoProto.getDescriptor(), TestProto.getDescriptor()),
                    System.in, System.out, System.err)
                    .run(args);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }

    /** The bound of waiting for the cluster and its endpoints: --timeout, else 30 s. */
    private static Duration clusterWait(Args args) {
        return args.has("timeout") ? Duration.ofMillis(args.getInt("timeout", 0)) : ClusterClient.DEFAULT_WAIT;
    }

    private static int clusterCall(Args args) {
        String service = URI.create(args.positionals().get(0)).getAuthority();
        return asClusterClient(args, node -> {
            ClusterClient.awaitInstances(node, service, clusterWait(args));
            return new CallCommand(node.system(), List.of(EchoProto.getDescriptor(), TestProto.getDescriptor()),
                    System.in, System.out, System.err).run(args);
        });
    }

    private static int members(Args args) {
        return asClusterClient(args, node -> ClusterClient.members(node, clusterWait(args), System.out));
    }

    /** Joins the cluster of --config as a client member, runs {@code work}, leaves; a status failure is the exit code. */
    private static int asClusterClient(Args args, java.util.function.ToIntFunction<SkeinNode> work) {
        SkeinNode node = null;
        try {
            node = ClusterClient.join(config(args), clusterWait(args));
            return work.applyAsInt(node);
        } catch (StatusException e) {
            System.err.println("ERROR " + e.code() + ": " + e.status().message());
            return e.code().value();
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }
}
