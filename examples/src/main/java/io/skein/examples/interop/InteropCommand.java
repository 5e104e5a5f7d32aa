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
 * {@code --transport grpc|skein} (default {@code grpc}). Prints one line per case on standard output,
 * every failure on standard error; exits 0 only when every case run passed, 1 otherwise, 2 on a usage
 * error. The compression cases need gRPC: over {@code skein} (no message compression) {@code all}
 * leaves them out, saying so on standard error, and naming one is a usage error.
 */
public final class InteropCommand {

    /** Options {@code interop-client} takes. */
    public static final Set<String> CLIENT_OPTIONS = Set.of("server_host", "server_port", "test_case", "use_tls",
            "transport", "server_host_override", "use_test_ca", "config");

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

    /** Runs {@code interop-client}; returns the exit code. */
    public static int client(Args args, PrintStream out, PrintStream err) {
        if (!args.positionals().isEmpty()) {
            throw new IllegalArgumentException("interop-client takes no positional arguments: " + args.positionals());
        }
        if (!plaintext(args)) {
            throw new IllegalArgumentException("--use_tls=true is not supported: Skein speaks plaintext (HTTP/2 prior knowledge)");
        }
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
        String target = transport + "://" + host + ":" + port;
        Config config = ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load()).resolve();
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
