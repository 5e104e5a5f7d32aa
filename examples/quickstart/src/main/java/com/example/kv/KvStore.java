package com.example.kv;

import io.skein.actors.CallMessage;
import io.skein.actors.ClientStreamingCall;
import io.skein.actors.ServiceCall;
import io.skein.actors.ServiceDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

/**
 * The key-value store as a typed actor. The calls arrive as {@code KeyValueSkein.Command}s, generated
 * from kv.proto (one record per method, each carrying the call to answer), wrapped in {@link Rpc}; the
 * actor also sends itself messages of its own. Its state (entries, version, watchers) lives here only;
 * a crash while handling one call fails that call and keeps the state.
 */
public final class KvStore {

    /** Everything the actor handles. */
    public sealed interface Message {
    }

    /** A call of any KeyValue method; as a {@link CallMessage}, a crash while handling it fails that call alone. */
    public record Rpc(KeyValueSkein.Command command) implements Message, CallMessage {
        @Override
        public ServiceCall<?, ?> call() {
            return command.call();
        }
    }

    /** A PutAll's requests, all received: stored here, in the actor. */
    private record PutAllReceived(List<PutRequest> puts, ClientStreamingCall<PutRequest, PutAllReply> call)
            implements Message {
    }

    /** A watch ended (done or cancelled by its caller). */
    private record WatchEnded(SourceQueueWithComplete<Change> watcher) implements Message {
    }

    private final ActorContext<Message> ctx;
    private final Materializer mat;
    private final Map<String, String> entries = new HashMap<>();
    private final List<SourceQueueWithComplete<Change>> watchers = new ArrayList<>();
    private long version;

    private KvStore(ActorContext<Message> ctx) {
        this.ctx = ctx;
        this.mat = Materializer.matFromSystem(ctx.getSystem());
    }

    /** The service a node serves. */
    public static ServiceDefinition<Message> definition() {
        Behavior<Message> store = Behaviors.setup(ctx -> new KvStore(ctx).behavior());
        return KeyValueSkein.definition(store, Rpc::new).build();
    }

    private Behavior<Message> behavior() {
        return Behaviors.receive(Message.class)
                .onMessage(Rpc.class, rpc -> {
                    KeyValueSkein.Command command = rpc.command();
                    if (command instanceof KeyValueSkein.Put m) {
                        m.call().reply(PutReply.newBuilder().setVersion(put(m.call().request())).build());
                    } else if (command instanceof KeyValueSkein.Watch m) {
                        watch(m);
                    } else if (command instanceof KeyValueSkein.PutAll m) {
                        // Collect the stream, then store it here, in the actor, not on the stream's thread.
                        m.call().requests().runWith(Sink.seq(), mat).whenComplete((puts, error) -> {
                            if (error != null) {
                                m.call().fail(error);
                            } else {
                                ctx.getSelf().tell(new PutAllReceived(puts, m.call()));
                            }
                        });
                    } else if (command instanceof KeyValueSkein.GetMany m) {
                        Map<String, String> snapshot = Map.copyOf(entries);
                        m.call().respond(m.call().requests().map(get -> GetReply.newBuilder()
                                .setKey(get.getKey())
                                .setValue(snapshot.getOrDefault(get.getKey(), ""))
                                .setFound(snapshot.containsKey(get.getKey()))
                                .build()));
                    }
                    return Behaviors.same();
                })
                .onMessage(PutAllReceived.class, m -> {
                    m.puts().forEach(this::put);
                    m.call().reply(PutAllReply.newBuilder().setStored(m.puts().size()).setVersion(version).build());
                    return Behaviors.same();
                })
                .onMessage(WatchEnded.class, m -> {
                    watchers.remove(m.watcher());
                    return Behaviors.same();
                })
                .build();
    }

    private long put(PutRequest put) {
        entries.put(put.getKey(), put.getValue());
        version++;
        Change change = Change.newBuilder().setKey(put.getKey()).setValue(put.getValue()).setVersion(version).build();
        watchers.forEach(w -> w.offer(change));
        return version;
    }

    private void watch(KeyValueSkein.Watch m) {
        Pair<SourceQueueWithComplete<Change>, Source<Change, NotUsed>> queue =
                Source.<Change>queue(100, OverflowStrategy.dropHead()).preMaterialize(mat);
        watchers.add(queue.first());
        queue.first().watchCompletion().thenRun(() -> ctx.getSelf().tell(new WatchEnded(queue.first())));
        // First the current version (no key): the caller knows the watch is on; then the next changes.
        m.call().respond(Source.single(Change.newBuilder().setVersion(version).build())
                .concat(queue.second().take(m.call().request().getCount())));
    }
}
