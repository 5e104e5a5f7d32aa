package io.skein.examples.interop;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.Targets;
import io.skein.runtime.cli.Args;
import io.skein.transport.ClientChannel;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code interop-client}: gRPC's interop client with gRPC's own flag names
 * ({@code --server_host}, {@code --server_port}, {@code --test_case}, {@code --use_tls}), plus
 * {@code --transport grpc|skein} (default {@code grpc}). With {@code --use_tls=true} the target is
 * {@code grpcs://} or {@code skeins://}: the server's certificate is verified against {@code --ca_file}
 * (else {@code skein.tls.client} of {@code --config}, else the JDK's trust store), for the name
 * {@code --server_host_override} when given, and {@code --cert_file}/{@code --key_file} are presented
 * as the client certificate (mutual TLS). Prints one line per case on standard output,
 * every failure on standard error; exits 0 only when every case run passed, 1 otherwise, 2 on a usage
 * error. The compression cases need gRPC: over {@code skein} (no message compression) {@code all}
 * leaves them out, saying so on standard error, and naming one is a usage error.
 */
public final class InteropCommand {

    /** Options {@code interop-client} takes. */
    public static final Set<String> CLIENT_OPTIONS = Set.of("server_host", "server_port", "test_case", "use_tls",
            "transport", "server_host_override", "use_test_ca", "config", "ca_file", "cert_file", "key_file");

    private InteropCommand() {
    }

    /** Whether {@code --use_tls} is absent or false; throws on a value that is not a boolean. */
    public static boolean plaintext(Args args) {
        String tls = args.get("use_tls", "false");
        if (!tls.equals("true") && !tls.equals("false")) {
            throw new IllegalArgumentException("option --use_tls needs true or false, got " + tls);
        }
        return tls.equals("false");
    }

    /**
     * The configuration of {@code interop-server}: with {@code --use_tls=true} the port requires TLS, with
     * the certificate and key of {@code --cert_file} / {@code --key_file} (or of {@code skein.tls.server}
     * in {@code --config}).
     */
    public static Config serverTls(Args args, Config config) {
        if (plaintext(args)) {
            return config;
        }
        StringBuilder hocon = new StringBuilder("skein.tls.server.mode = required\n");
        if (args.has("cert_file") != args.has("key_file")) {
            throw new IllegalArgumentException("options --cert_file and --key_file go together");
        }
        if (args.has("cert_file")) {
            hocon.append("skein.tls.server.certificate = ").append(quote(args.get("cert_file", null))).append('\n')
                    .append("skein.tls.server.private-key = ").append(quote(args.get("key_file", null))).append('\n');
        } else if (config.getString("skein.tls.server.certificate").isEmpty()) {
            throw new IllegalArgumentException("--use_tls=true needs --cert_file and --key_file (or skein.tls.server in --config)");
        }
        return ConfigFactory.parseString(hocon.toString()).withFallback(config).resolve();
    }

    private static String quote(String value) {
        return com.typesafe.config.ConfigUtil.quoteString(value);
    }

    /** The client configuration of {@code interop-client}: {@code --config}, then the TLS flags over it. */
    private static Config clientConfig(Args args) {
        Config config = ConfigFactory.parseString("pekko.loglevel = WARNING");
        if (args.has("config")) {
            java.io.File file = new java.io.File(args.get("config", null));
            if (!file.isFile()) {
                throw new IllegalArgumentException("no config file " + file);
            }
            config = config.withFallback(ConfigFactory.parseFile(file));
        }
        StringBuilder tls = new StringBuilder();
        if (args.has("ca_file")) {
            tls.append("skein.tls.client.trust-certificates = ").append(quote(args.get("ca_file", null))).append('\n');
        }
        if (args.has("server_host_override")) {
            tls.append("skein.tls.client.server-name = ").append(quote(args.get("server_host_override", null))).append('\n');
        }
        if (args.has("cert_file") != args.has("key_file")) {
            throw new IllegalArgumentException("options --cert_file and --key_file go together");
        }
        if (args.has("cert_file")) {
            tls.append("skein.tls.client.certificate = ").append(quote(args.get("cert_file", null))).append('\n')
                    .append("skein.tls.client.private-key = ").append(quote(args.get("key_file", null))).append('\n');
        }
        return ConfigFactory.parseString(tls.toString()).withFallback(config).withFallback(ConfigFactory.load()).resolve();
    }

    /** Runs {@code interop-client}; returns the exit code. */
    public static int client(Args args, PrintStream out, PrintStream err) {
        if (!args.positionals().isEmpty()) {
            throw new IllegalArgumentException("interop-client takes no positional arguments: " + args.positionals());
        }
        boolean tls = !plaintext(args);
        String host = args.get("server_host", "localhost");
        int port = args.getInt("server_port", 8080);
        String testCase = args.get("test_case", "empty_unary");
        String transport = args.get("transport", "grpc");
        if (!transport.equals("grpc") && !transport.equals("skein")) {
            throw new IllegalArgumentException("option --transport needs grpc or skein, got " + transport);
        }
        if (!testCase.equals("all") && !InteropClient.CASES.contains(testCase)) {
            throw new IllegalArgumentException("unknown test case " + testCase + "; known: "
                    + String.join(", ", InteropClient.CASES) + ", all");
        }
        boolean compression = transport.equals("grpc");
        if (!compression && InteropClient.COMPRESSION_CASES.contains(testCase)) {
            throw new IllegalArgumentException(InteropClient.withoutCompression(testCase));
        }
        String target = transport + (tls ? "s" : "") + "://" + host + ":" + port;
        Config config = clientConfig(args);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "skein-interop-client", config);
        try {
            ClientChannel channel;
            try {
                channel = Targets.open(system, target);
            } catch (IllegalArgumentException e) {
                err.println("ERROR: cannot open " + target + ": " + e.getMessage()
                        + (transport.equals("grpc")
                        ? "\n  the gRPC transport is not available in this build; against a Skein server use"
                        + " --transport skein"
                        : ""));
                return 1;
            }
            try (channel) {
                InteropClient client = new InteropClient(system, channel, Duration.ofSeconds(30), compression);
                if (testCase.equals("all") && !compression) {
                    err.println("note: not running " + String.join(", ", InteropClient.COMPRESSION_CASES)
                            + ": the skein transport has no message compression");
                }
                List<InteropClient.Result> results = testCase.equals("all")
                        ? client.runAll() : List.of(client.run(testCase));
                long failed = 0;
                for (InteropClient.Result r : results) {
                    out.println(r);
                    if (!r.passed()) {
                        failed++;
                        err.println("FAILED " + r.testCase() + ": " + r.message());
                    }
                }
                out.flush();
                if (failed > 0) {
                    err.println(failed + " of " + results.size() + " test case(s) failed against " + target);
                    return 1;
                }
                return 0;
            }
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }
}
