package io.skein.examples.governance;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.BoundService;
import io.skein.actors.FunctionalService;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.RpcServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Several Echo instances on loopback, each a real {@link RpcServer} on its own port (in one server
 * actor system, to keep tests quick), each with a scripted fault: every {@code Say} it serves fails
 * with {@link Node#failWith} or answers after {@link Node#delayMs}, on top of the request's own
 * {@code fail_with} / {@code delay_ms} (as the Echo service does). Replies carry {@code served_by};
 * each instance counts the attempts it saw and keeps their contexts and messages.
 */
final class EchoFleet implements AutoCloseable {

    static final String SERVICE = "skein.examples.echo.Echo";
    static final Duration LIMIT = Duration.ofSeconds(10);

    final ActorSystem<Void> system;
    final List<Node> nodes = new ArrayList<>();
    final StaticInstanceSource source;

    /** One instance of the fleet. */
    static final class Node {
        final String name;
        volatile int failWith;
        volatile int delayMs;
        final AtomicInteger attempts = new AtomicInteger();
        final Queue<CallContext> contexts = new ConcurrentLinkedQueue<>();
        final Queue<String> messages = new ConcurrentLinkedQueue<>();
        Instance instance;
        RpcServer server;

        Node(String name) {
            this.name = name;
        }

        private CompletionStage<EchoReply> say(EchoRequest req, CallContext ctx) {
            attempts.incrementAndGet();
            contexts.add(ctx);
            messages.add(req.getMessage());
            int code = failWith != 0 ? failWith : req.getFailWith();
            if (code != 0) {
                return CompletableFuture.failedFuture(new StatusException(StatusCode.fromValue(code),
                        name + " fails " + req.getMessage()));
            }
            EchoReply reply = EchoReply.newBuilder().setMessage(req.getMessage()).setServedBy(name).build();
            int delay = delayMs != 0 ? delayMs : req.getDelayMs();
            return delay > 0
                    ? CompletableFuture.supplyAsync(() -> reply, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS))
                    : CompletableFuture.completedFuture(reply);
        }

        private Source<EchoReply, ?> repeat(RepeatRequest req, CallContext ctx) {
            attempts.incrementAndGet();
            contexts.add(ctx);
            Source<EchoReply, ?> replies = Source.range(0, req.getCount() <= 0 ? Integer.MAX_VALUE : req.getCount() - 1)
                    .map(i -> EchoReply.newBuilder().setMessage(req.getMessage()).setSeq(i).setServedBy(name).build());
            return req.getIntervalMs() > 0 ? replies.throttle(1, Duration.ofMillis(req.getIntervalMs())) : replies;
        }
    }

    EchoFleet(String... names) {
        system = TestNodes.clientSystem("echo-fleet", "");
        try {
            List<Instance> instances = new ArrayList<>();
            for (String name : names) {
                Node node = new Node(name);
                BoundService bound = FunctionalService.builder(TestNodes.ECHO)
                        .<EchoRequest, EchoReply>unary("Say", node::say)
                        .<RepeatRequest, EchoReply>serverStreaming("Repeat", node::repeat)
                        .build()
                        .bind(system);
                node.server = Await.result(RpcServer.start(system, new InetSocketAddress("127.0.0.1", 0),
                        MethodRegistry.of(bound.methods())), LIMIT);
                node.instance = Instance.of(name, "127.0.0.1", node.server.localAddress().getPort());
                instances.add(node.instance);
                nodes.add(node);
            }
            source = StaticInstanceSource.of(SERVICE, instances);
        } catch (RuntimeException e) {
            TestNodes.terminate(system);
            throw e;
        }
    }

    Node node(String name) {
        return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
    }

    int totalAttempts() {
        return nodes.stream().mapToInt(n -> n.attempts.get()).sum();
    }

    static com.typesafe.config.Config config(String serviceBlock) {
        return ConfigFactory.parseString("skein.client.services.\"" + SERVICE + "\" {\n" + serviceBlock + "\n}")
                .withFallback(ConfigFactory.load());
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            if (n.server != null) {
                Await.result(n.server.shutdown(Duration.ZERO), LIMIT);
            }
        }
        TestNodes.terminate(system);
    }
}
