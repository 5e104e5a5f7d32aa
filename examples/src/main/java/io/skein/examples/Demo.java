package io.skein.examples;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.BidiStreamingMethod;
import io.skein.actors.client.ClientStreamingMethod;
import io.skein.actors.client.ServerStreamingMethod;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.EchoService;
import io.skein.examples.echo.RepeatRequest;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.transport.CallOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/** {@code demo}: one node in this process, and a client walking through the four call kinds. */
public final class Demo {

    private Demo() {
    }

    /** Runs the demo, printing to {@code out}; returns 0 when every step worked. */
    public static int run(PrintStream out) {
        SkeinNode node = SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }\n"
                        + "pekko.loglevel = WARNING"))
                .service(info -> EchoService.definition(info::nodeId))
                .start();
        try {
            out.println("node " + node.nodeId() + " serving " + node.services() + " at " + node.target());
            ServiceClient echo = node.client(node.target(), EchoProto.getDescriptor().findServiceByName("Echo"));
            Materializer mat = Materializer.matFromSystem(node.system());
            CallOptions options = CallOptions.timeout(Duration.ofSeconds(10))
                    .withMetadata(Metadata.builder().put("demo", "yes").build());

            UnaryMethod<EchoRequest, EchoReply> say = echo.unary("Say", EchoRequest.class, EchoReply.class);
            EchoRequest hello = EchoRequest.newBuilder().setMessage("hello, skein").build();
            out.println("unary Say           -> " + brief(hello));
            out.println("                    <- " + brief(say.call(hello, options).toCompletableFuture().join()));

            ServerStreamingMethod<RepeatRequest, EchoReply> repeat =
                    echo.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class);
            RepeatRequest three = RepeatRequest.newBuilder().setMessage("tick").setCount(3).build();
            out.println("server stream Repeat -> {message: tick, count: 3}");
            List<EchoReply> ticks = repeat.call(three, options).runWith(Sink.seq(), mat).toCompletableFuture().join();
            ticks.forEach(r -> out.println("                    <- " + brief(r)));

            ClientStreamingMethod<EchoRequest, EchoReply> collect =
                    echo.clientStreaming("Collect", EchoRequest.class, EchoReply.class);
            List<EchoRequest> words = List.of("a", "b", "c").stream()
                    .map(w -> EchoRequest.newBuilder().setMessage(w).build()).toList();
            out.println("client stream Collect -> a, b, c");
            out.println("                    <- " + brief(collect.call(Source.from(words), options)
                    .toCompletableFuture().join()));

            BidiStreamingMethod<EchoRequest, EchoReply> chat = echo.bidiStreaming("Chat", EchoRequest.class, EchoReply.class);
            out.println("bidi stream Chat    -> x, y, z");
            List<EchoReply> answers = Source.from(List.of("x", "y", "z"))
                    .map(w -> EchoRequest.newBuilder().setMessage(w).build())
                    .via(chat.call(options))
                    .runWith(Sink.seq(), mat).toCompletableFuture().join();
            answers.forEach(r -> out.println("                    <- " + brief(r)));

            out.println("unary Say with fail_with=5 -> expect NOT_FOUND");
            try {
                say.call(EchoRequest.newBuilder().setMessage("no such thing").setFailWith(5).build(), options)
                        .toCompletableFuture().join();
                out.println("unexpected success");
                return 1;
            } catch (CompletionException e) {
                out.println("                    <- " + ((StatusException) e.getCause()).status());
            }
            out.println("demo finished");
            return 0;
        } finally {
            node.close();
        }
    }

    private static String brief(EchoRequest r) {
        return "{message: " + r.getMessage() + "}";
    }

    private static String brief(EchoReply r) {
        return "{message: " + r.getMessage() + ", seq: " + r.getSeq() + ", served_by: " + r.getServedBy() + "}";
    }
}
