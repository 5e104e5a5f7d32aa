package io.skein.runtime.reflection;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Timestamp;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.reflection.testing.GreetReply;
import io.skein.runtime.reflection.testing.GreetRequest;
import io.skein.runtime.reflection.testing.GreeterProto;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Source;

/** The test-only Greeter service and nodes serving it on loopback. */
public final class Greeters {

    public static final Descriptors.ServiceDescriptor GREETER = GreeterProto.getDescriptor().findServiceByName("Greeter");

    private Greeters() {
    }

    /** Greet says hello (or fails NOT_FOUND for name "nobody"); GreetMany says it {@code times} times; Chat answers each. */
    public static ServiceDefinition<FunctionalService.Invocation> definition() {
        return FunctionalService.builder(GREETER)
                .<GreetRequest, GreetReply>unary("Greet", (req, ctx) -> {
                    if (req.getName().equals("nobody")) {
                        return CompletableFuture.failedFuture(new StatusException(StatusCode.NOT_FOUND, "nobody to greet"));
                    }
                    return CompletableFuture.completedFuture(reply(req, 0));
                })
                .<GreetRequest, GreetReply>serverStreaming("GreetMany", (req, ctx) ->
                        Source.range(1, Math.max(0, req.getTimes())).map(i -> reply(req, i)))
                .<GreetRequest, GreetReply>bidiStreaming("Chat", (requests, ctx) -> requests.map(r -> reply(r, 0)))
                .build();
    }

    private static GreetReply reply(GreetRequest req, int i) {
        return GreetReply.newBuilder()
                .setText("hello " + req.getName() + (i > 0 ? " #" + i : ""))
                .setMood(req.getMood())
                .setAt(Timestamp.newBuilder().setSeconds(1_700_000_000L))
                .setDetail(GreetReply.Detail.newBuilder().setNote("n" + i))
                .build();
    }

    /** A node serving the Greeter on 127.0.0.1, port 0, with or without reflection. */
    public static SkeinNode node(boolean reflection) {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }\n"
                        + "skein.observability.http { host = \"127.0.0.1\", port = 0 }\n"
                        + "pekko.loglevel = WARNING"))
                .service(definition())
                .reflection(reflection)
                .start();
    }

    /** Shuts a node down and waits, bounded. */
    public static void close(SkeinNode node) {
        if (node == null) {
            return;
        }
        try {
            node.shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
            node.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("node did not stop within " + Duration.ofSeconds(30), e);
        }
    }
}
