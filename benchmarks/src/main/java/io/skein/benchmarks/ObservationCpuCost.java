package io.skein.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.runtime.observability.NodeObservability;
import io.skein.transport.CallContext;
import io.skein.transport.observe.CallObserver;
import io.skein.transport.observe.CallProbe;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Locale;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The CPU time one observed server call costs, measured as the thread's own CPU time (not wall time) over
 * batches of the same hook sequence as {@link ObservationBenchmark}: a figure that a busy, shared machine
 * distorts far less than a wall-clock benchmark, since time the thread is not scheduled does not count.
 * {@code java -cp skein-benchmarks.jar io.skein.benchmarks.ObservationCpuCost MODE} with MODE one of
 * {@code off}, {@code default}, {@code exported}, {@code sampled}, {@code metrics}, {@code tracing} (see
 * {@link ObservationBenchmark}); prints one JSON object
 * {@code {"mode", "cpuNsPerCall"}} (the median of 10 batches of 500,000 calls after 5 warm-up batches).
 */
public final class ObservationCpuCost {

    private static final int BATCH = 500_000;

    private ObservationCpuCost() {
    }

    /** The {@code skein.observability} settings of {@code mode} (the endpoint always off). */
    static String settings(String mode) {
        return switch (mode) {
            case "off" -> "skein.observability.enabled = off";
            case "default" -> "skein.observability.http.enabled = off";
            case "exported" -> "skein.observability { http.enabled = off, tracing.spans = always }";
            case "sampled" -> "skein.observability { http.enabled = off, tracing { sampler = always, spans = always } }";
            case "metrics" -> "skein.observability { http.enabled = off, tracing.enabled = off }";
            case "tracing" -> "skein.observability { http.enabled = off, metrics.enabled = off }";
            default -> throw new IllegalArgumentException(
                    "mode must be off, default, exported, sampled, metrics or tracing");
        };
    }

    public static void main(String[] args) {
        String mode = args.length == 1 ? args[0] : "";
        Config config = ConfigFactory.parseString(settings(mode) + "\npekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load()).resolve();
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "skein-cpu-cost", config);
        NodeObservability observability = NodeObservability.start(system, config);
        try {
            CallObserver observer = observability.observer();
            InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 40000);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long[] batches = new long[10];
            long sink = 0;
            for (int b = -5; b < batches.length; b++) {
                long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < BATCH; i++) {
                    CallContext context = new CallContext("skein.examples.echo.Echo/Say", Metadata.EMPTY, 0, peer);
                    CallProbe probe = observer.serverCall(context, "skein");
                    probe.messageReceived(1030);
                    probe.messageSent(1030);
                    probe.ended(Status.OK);
                    sink += System.identityHashCode(probe);
                }
                if (b >= 0) {
                    batches[b] = threads.getCurrentThreadCpuTime() - start;
                }
            }
            Arrays.sort(batches);
            double median = (batches[4] + batches[5]) / 2.0 / BATCH;
            System.out.printf(Locale.ROOT, "{\"mode\":\"%s\",\"cpuNsPerCall\":%.1f,\"sink\":%d}%n", mode, median,
                    sink & 1);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            observability.close();
        }
    }
}
