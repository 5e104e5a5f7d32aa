package com.example.kv;

import io.skein.runtime.SkeinNode;
import io.skein.transport.CallOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Starts a node serving the key-value store, calls it through the generated typed client with all
 * four call kinds, prints what came back and exits (0 when every call worked; an exception otherwise,
 * after the node is closed, so the JVM never hangs).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // application.conf: loopback, a free port. try-with-resources: the node closes on any outcome.
        try (SkeinNode node = SkeinNode.builder().service(KvStore.definition()).start()) {
            System.out.println("serving " + node.services() + " at " + node.target());
            KeyValueSkein.Client kv = KeyValueSkein.client(node.system(), node.target());
            Materializer mat = Materializer.matFromSystem(node.system());
            CallOptions options = CallOptions.timeout(Duration.ofSeconds(10));

            // Server streaming: a watch of the next three changes. Its first element (no key) says it is on.
            CompletableFuture<Long> watching = new CompletableFuture<>();
            List<Change> changes = new CopyOnWriteArrayList<>();
            CompletionStage<Done> watched = kv.watch(WatchRequest.newBuilder().setCount(3).build(), options)
                    .runForeach(c -> {
                        if (c.getKey().isEmpty()) {
                            watching.complete(c.getVersion());
                        } else {
                            changes.add(c);
                        }
                    }, mat);
            System.out.println("watching from version " + get(watching));

            // Unary.
            System.out.println("put greeting -> version " + get(kv.put(put("greeting", "hello"), options)).getVersion());

            // Client streaming: two puts in one call.
            PutAllReply all = get(kv.putAll(Source.from(List.of(put("a", "1"), put("b", "2"))), options));
            System.out.println("putAll a, b -> stored " + all.getStored() + ", version " + all.getVersion());

            get(watched);
            for (Change c : changes) {
                System.out.println("watch -> " + c.getKey() + "=" + c.getValue() + " @" + c.getVersion());
            }

            // Bidirectional: one reply per request.
            List<GetReply> got = get(kv.getMany(Source.from(List.of(key("a"), key("b"), key("missing"))), options)
                    .runWith(Sink.seq(), mat));
            for (GetReply r : got) {
                System.out.println("getMany " + r.getKey() + " -> " + (r.getFound() ? r.getValue() : "(none)"));
            }
            System.out.println("done");
        }
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(key).setValue(value).build();
    }

    private static GetRequest key(String key) {
        return GetRequest.newBuilder().setKey(key).build();
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
