package io.skein.examples;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
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
import io.skein.runtime.cli.CliErrors;
import io.skein.runtime.cli.CliException;
import io.skein.runtime.cli.StatsCommand;
import io.skein.runtime.cli.ClusterClient;
import io.skein.runtime.cli.ExitCodes;
import io.skein.runtime.cli.ManagementMembers;
import io.skein.runtime.cluster.ClusterTargets;
import java.net.URI;
import java.time.Duration;
import java.io.File;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** Each command's help: its synopsis and what it does ({@code COMMAND --help}). */
    private static final Map<String, String> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("serve", String.join("\n",
                "  serve [--port N] [--host H] [--shm PATH] [--config FILE]",
                "        serve Echo (default port 8080); prints 'listening on HOST:PORT' (with --shm also",
                "        'listening on shm://PATH': shared memory on that socket path; and, in a cluster,",
                "        'registered as NODE' once its entries are published; 'metrics on URL' when",
                "        skein.observability.http is on); drains on SIGTERM/SIGINT"));
        COMMANDS.put("call", String.join("\n",
                "  call TARGET package.Service/Method [JSON] [--timeout MS] [--metadata k=v]... [--repeat N] [--config FILE]",
                "        TARGET is skein://host:port, grpc://host:port, kitex://host:port, shm://PATH (shared memory)",
                "        or cluster://package.Service",
                "        (joins the cluster of --config as a client member, waits up to --timeout for endpoints).",
                "        Unary and server-streaming calls take their request as the JSON argument ('{}' for an",
                "        empty one); client and bidi streaming read one JSON request per line from stdin.",
                "        --repeat N makes the call N times and stops at the first failure, exiting with its status.",
                "        Services not compiled in are resolved through the server's gRPC reflection."));
        COMMANDS.put("members", String.join("\n",
                "  members --config FILE | --management HOST:PORT... [--timeout MS]",
                "        print every member of the cluster with its status and the services it serves, as the",
                "        first contact point that answers sees them (GET /skein/members on a node's management",
                "        port): those listed in FILE (e.g. examples/cluster/local.conf), or the nodes named;",
                "        joins nothing"));
        COMMANDS.put("demo", String.join("\n",
                "  demo",
                "        start three clustered nodes in this process and walk through all four call kinds",
                "        through cluster://"));
        COMMANDS.put("self-test", String.join("\n",
                "  self-test",
                "        serve Echo on a free loopback port and call it once with each call kind through",
                "        `call`'s own code, printing the replies; exit 0 when all four answered (examples/bin/skein",
                "        runs it once to record the class-data archive that makes later commands start fast)"));
        COMMANDS.put("bench", BenchCommand.USAGE);
        COMMANDS.put("stats", StatsCommand.USAGE);
        COMMANDS.put("interop-server", String.join("\n",
                "  interop-server --port N [--host H] [--use_tls=true --cert_file PEM --key_file PEM]",
                "        serve grpc.testing.TestService and Echo (gRPC interop), over TLS with --use_tls=true"));
        COMMANDS.put("interop-client", String.join("\n",
                "  interop-client --server_host H --server_port N --test_case NAME|all [--use_tls=false]",
                "                 [--ca_file PEM] [--server_host_override NAME] [--cert_file PEM --key_file PEM]",
                "                 [--transport grpc|skein]",
                "        run gRPC interop test cases; exit 0 only if all passed (default transport grpc:",
                "        target grpc://H:N)"));
    }

    private static final String EXIT_CODES = String.join("\n",
            "options for every command: --help (this text for the command), --verbose (stack traces of errors)",
            "exit codes: 0 success; 1-16 a call failed with that gRPC status (4 DEADLINE_EXCEEDED, 14 UNAVAILABLE, ...);",
            "            " + ExitCodes.USAGE + " usage error; " + ExitCodes.UNAVAILABLE + " port in use or host not"
                    + " resolvable; " + ExitCodes.INTERNAL + " internal error; " + ExitCodes.CONFIG
                    + " configuration error");

    private static final String USAGE = "usage: java -jar skein.jar COMMAND [OPTIONS]\n"
            + String.join("\n", COMMANDS.values()) + "\n" + EXIT_CODES;

    private Main() {
    }

    public static void main(String[] argv) {
        // Initialize logging before Pekko and Netty start logging from several threads at once.
        org.slf4j.LoggerFactory.getILoggerFactory();
        System.exit(run(argv));
    }

    /** Runs a command and returns its exit code ({@link ExitCodes}, or a call's status code). */
    public static int run(String[] argv) {
        List<String> words = new ArrayList<>(List.of(argv));
        boolean verbose = words.remove("--verbose");
        if (words.isEmpty()) {
            System.err.println(USAGE);
            return ExitCodes.USAGE;
        }
        String command = words.get(0);
        String[] rest = words.subList(1, words.size()).toArray(String[]::new);
        if (List.of("help", "--help", "-h").contains(command)) {
            System.out.println(USAGE);
            return ExitCodes.OK;
        }
        if (!COMMANDS.containsKey(command)) {
            System.err.println("ERROR: unknown command " + command + "; commands: " + String.join(", ", COMMANDS.keySet())
                    + " (--help for each)");
            return ExitCodes.USAGE;
        }
        if (words.contains("--help") || words.contains("-h")) {
            System.out.println("usage: java -jar skein.jar\n" + COMMANDS.get(command) + "\n" + EXIT_CODES);
            return ExitCodes.OK;
        }
        try {
            return switch (command) {
                case "serve" -> serve(Args.parse(rest, Set.of("port", "host", "config", "shm"), Set.of()), false);
                case "interop-server" -> serve(Args.parse(rest, Set.of("port", "host", "config", "use_tls", "cert_file",
                                "key_file"), Set.of()),
                        true);
                case "interop-client" -> InteropCommand.client(Args.parse(rest, InteropCommand.CLIENT_OPTIONS, Set.of()),
                        System.out, System.err);
                case "call" -> call(Args.parse(rest, CallCommand.OPTIONS, Set.of()));
                case "members" -> members(Args.parse(rest, ManagementMembers.OPTIONS, Set.of()));
                case "demo" -> {
                    Args.parse(rest, Set.of(), Set.of()).requireNoPositionals("demo");
                    yield Demo.run(System.out);
                }
                case "stats" -> new StatsCommand(System.out, System.err)
                        .run(Args.parse(rest, StatsCommand.OPTIONS, Set.of()));
                case "self-test" -> {
                    Args.parse(rest, Set.of(), Set.of()).requireNoPositionals("self-test");
                    yield selfTest();
                }
                case "bench" -> bench(Args.parse(rest, BenchCommand.OPTIONS, BenchCommand.FLAGS));
                default -> throw new IllegalStateException("no handler for " + command);
            };
        } catch (RuntimeException | LinkageError e) {
            return CliErrors.report(e, verbose, System.err);
        }
    }

    private static Config config(Args args) {
        Config config = ConfigFactory.load();
        String file = args.get("config", null);
        if (file != null) {
            File f = new File(file);
            if (!f.isFile()) {
                throw new CliException(ExitCodes.CONFIG, "no config file " + file);
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
        if (args.has("shm")) {
            config = ConfigFactory.parseMap(java.util.Map.of("skein.server.shm.enabled", true,
                    "skein.server.shm.path", args.get("shm", ""))).withFallback(config);
        }
        String host = config.getString("skein.server.host");
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, "cannot resolve host " + host + " (--host or skein.server.host)");
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
        String shown = node.address().getAddress().isAnyLocalAddress() ? host : node.address().getHostString();
        System.out.println("listening on " + shown + ":" + node.address().getPort());
        node.shmTarget().ifPresent(t -> System.out.println("listening on " + t));
        node.metricsAddress().ifPresent(a -> System.out.println("metrics on http://"
                + (a.getAddress().isAnyLocalAddress() ? host : a.getHostString()) + ":" + a.getPort() + "/metrics"));
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
        CallCommand.validate(args); // usage errors before any actor system starts
        if (args.positionals().get(0).startsWith(ClusterTargets.SCHEME + "://")) {
            requireConfig(args, "call cluster://...");
            return clusterCall(args);
        }
        Config config = ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(config(args));
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "skein-cli", withoutEagerSerialization(config));
        try {
            return new CallCommand(system, List.of(EchoProto.getDescriptor(), TestProto.getDescriptor()),
                    System.in, System.out, System.err)
                    .run(args);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }

    /**
     * {@code self-test}: a standalone node with Echo on a free loopback port, called once per call kind
     * exactly as {@code call} would (its own actor system, JSON in and out); the first failed call's
     * status is the exit code.
     */
    private static int selfTest() {
        Config config = ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }\n"
                + "pekko.loglevel = WARNING").withFallback(ConfigFactory.load());
        try (SkeinNode node = SkeinNode.builder().config(config).service(info -> EchoService.definition(info::nodeId))
                .start()) {
            String echo = "skein.examples.echo.Echo/";
            List<String[]> calls = List.of(
                    new String[] {"Say", "{\"message\":\"self-test\"}"},
                    new String[] {"Repeat", "{\"message\":\"self-test\",\"count\":2}"},
                    new String[] {"Collect", "{\"message\":\"self-test\"}"},
                    new String[] {"Chat", "{\"message\":\"self-test\"}"});
            for (String[] c : calls) {
                int code = call(Args.parse(new String[] {node.target(), echo + c[0], c[1], "--timeout", "30000"},
                        CallCommand.OPTIONS, Set.of()));
                if (code != 0) {
                    return code;
                }
            }
            return ExitCodes.OK;
        }
    }

    /**
     * A direct call's actor system is local and lives for one call: Pekko's serialization, which it would
     * otherwise start eagerly with the bindings of every module on the class path (cluster, sharding,
     * remoting: about a fifth of the classes a call loads), starts only if something asks for it.
     */
    private static Config withoutEagerSerialization(Config config) {
        List<String> extensions = config.getStringList("pekko.library-extensions").stream()
                .filter(e -> !e.startsWith("org.apache.pekko.serialization.SerializationExtension")).toList();
        return config.withValue("pekko.library-extensions", ConfigValueFactory.fromIterable(extensions));
    }

    /** The bound of waiting for the cluster and its endpoints: --timeout, else 30 s. */
    private static Duration clusterWait(Args args) {
        return args.has("timeout") ? Duration.ofMillis(args.getPositiveMillis("timeout", 0)) : ClusterClient.DEFAULT_WAIT;
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
        args.requireNoPositionals("members");
        List<String> named = args.all("management");
        if (named.isEmpty() && !args.has("config")) {
            throw new IllegalArgumentException("members needs --config FILE, the cluster's configuration with its"
                    + " contact points (e.g. examples/cluster/local.conf), or --management HOST:PORT of a node");
        }
        Duration wait = clusterWait(args);
        Config config = config(args);
        List<URI> contactPoints = named.isEmpty() ? ManagementMembers.endpoints(config)
                : named.stream().map(hostPort -> ManagementMembers.endpoint(hostPort, config)).toList();
        if (contactPoints.isEmpty()) {
            throw new CliException(ExitCodes.CONFIG, args.get("config", "") + " lists no contact points (pekko.discovery"
                    + " method config); name a node's management endpoint with --management HOST:PORT");
        }
        return ManagementMembers.print(contactPoints, wait, System.out, config);
    }

    private static void requireConfig(Args args, String what) {
        if (!args.has("config")) {
            throw new IllegalArgumentException(what + " needs --config FILE: the cluster to join"
                    + " (e.g. examples/cluster/local.conf)");
        }
    }

    /** Joins the cluster of --config as a client member, runs {@code work}, leaves; a status failure is the exit code. */
    private static int asClusterClient(Args args, java.util.function.ToIntFunction<SkeinNode> work) {
        SkeinNode node = null;
        try {
            node = ClusterClient.join(config(args), clusterWait(args));
            return work.applyAsInt(node);
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }
}
