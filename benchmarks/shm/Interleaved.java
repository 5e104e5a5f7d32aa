// Interleaved closed-loop runs of Echo/Say against several targets from one client JVM, for comparisons
// on a noisy machine: each round runs every target once, in turn, for a short time, and the medians over
// the rounds are printed at the end; each round starts one target further on, so the order's effects
// average out. Run with the fat jar on the class path (single-file source launcher):
//   java -cp examples/target/skein.jar benchmarks/shm/Interleaved.java SIZE CONCURRENCY SECONDS ROUNDS TARGET...
// A TARGET is a URI, optionally followed by "|" and HOCON for that target's client, e.g.
//   'shm:///tmp/echo.sock|skein.shm.polling.window = 0s'
// Servers are started separately (skein.jar serve --port P --shm PATH, with -D settings of their own).
// Each run has a 0.5 s warm-up of its own; the first round also warms this JVM up, so use several rounds.
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.examples.bench.LoadGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

public class Interleaved {
    public static void main(String[] args) {
        if (args.length < 5) {
            System.err.println("usage: Interleaved SIZE CONCURRENCY SECONDS ROUNDS TARGET[|HOCON]...");
            System.exit(2);
        }
        int size = Integer.parseInt(args[0]);
        int concurrency = Integer.parseInt(args[1]);
        Duration duration = Duration.ofMillis((long) (Double.parseDouble(args[2]) * 1000));
        int rounds = Integer.parseInt(args[3]);
        List<String> targets = new ArrayList<>();
        List<Config> configs = new ArrayList<>();
        List<List<LoadGenerator.Result>> results = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            String[] parts = args[i].split("\\|", 2);
            targets.add(parts[0]);
            configs.add(ConfigFactory.parseString("pekko.loglevel = WARNING\n" + (parts.length > 1 ? parts[1] : ""))
                    .withFallback(ConfigFactory.load()));
            results.add(new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            // Each round starts one target further on, so no target always runs first (or always right
            // after the same other one) and the order's effects average out over the rounds.
            for (int k = 0; k < targets.size(); k++) {
                int i = (r + k) % targets.size();
                LoadGenerator.Settings settings = LoadGenerator.Settings.of(targets.get(i), LoadGenerator.Method.SAY)
                        .withPayloadBytes(size).withConcurrency(concurrency).withConnections(1)
                        .withDuration(duration).withWarmup(Duration.ofMillis(500));
                LoadGenerator.Result x = LoadGenerator.run(configs.get(i), settings);
                results.get(i).add(x);
                System.out.printf("round %d  %-60s %9.0f calls/s  p50 %.3f ms  mean %.3f ms  errors %d%n", r,
                        args[i + 4], x.qps(), x.percentileMs(50), x.meanMs(), x.errorCount());
            }
        }
        for (int i = 0; i < targets.size(); i++) {
            List<LoadGenerator.Result> l = results.get(i);
            System.out.printf("median   %-60s %9.0f calls/s  p50 %.3f ms  mean %.3f ms%n", args[i + 4],
                    median(l.stream().mapToDouble(LoadGenerator.Result::qps).toArray()),
                    median(l.stream().mapToDouble(x -> x.percentileMs(50)).toArray()),
                    median(l.stream().mapToDouble(LoadGenerator.Result::meanMs).toArray()));
        }
        System.exit(0);
    }

    private static double median(double[] values) {
        java.util.Arrays.sort(values);
        return values[values.length / 2];
    }
}
