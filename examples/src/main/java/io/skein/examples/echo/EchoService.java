package io.skein.examples.echo;

import com.google.protobuf.ByteString;
import io.skein.actors.CallMessage;
import io.skein.actors.ServiceCall;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.UnaryCall;
import io.skein.examples.echo.EchoSkein.Chat;
import io.skein.examples.echo.EchoSkein.Collect;
import io.skein.examples.echo.EchoSkein.Repeat;
import io.skein.examples.echo.EchoSkein.Say;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.time.Duration;
import java.util.Iterator;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The Echo service ({@code echo.proto}) as a typed actor. {@code Say} echoes (after {@code delay_ms},
 * on a timer, never blocking a thread, or failing with {@code fail_with}); {@code Repeat} streams
 * {@code count} replies (forever when {@code count <= 0}); {@code Collect} joins the messages it
 * receives; {@code Chat} answers each request in order.
 *
 * <p>Its protocol and wiring are generated from {@code echo.proto} ({@link EchoSkein}); the actor's own
 * protocol is wider (a timer message of its own), so each call arrives wrapped in {@link Rpc}.
 *
 * <p>{@code cpu_us} is business work: {@code Say} spends that much CPU ({@link CpuWork#burn}) in the
 * actor as it takes the call, before any delay or answer, so one Echo actor serves at most about
 * {@code 1 / cpu_us} calls per second; {@code Chat} spends it per message in the stream that answers it.
 */
public final class EchoService {

    /** The Echo actor's protocol: the calls, and the actor's own timer message. */
    public sealed interface Command {
    }

    /** A call of any Echo method (the generated {@link EchoSkein.Command}); a crash while handling it fails the call. */
    public record Rpc(EchoSkein.Command command) implements Command, CallMessage {
        @Override
        public ServiceCall<?, ?> call() {
            return command.call();
        }
    }

    private record DelayedAnswer(UnaryCall<EchoRequest, EchoReply> call) implements Command {
    }

    private EchoService() {
    }

    /** The Echo service definition; {@code servedBy} names the serving node in every reply. */
    public static ServiceDefinition<Command> definition(Supplier<String> servedBy) {
        return EchoSkein.definition(create(servedBy), Rpc::new).build();
    }

    /** The Echo actor. */
    public static Behavior<Command> create(Supplier<String> servedBy) {
        return Behaviors.setup(ctx -> {
            Materializer mat = Materializer.matFromSystem(ctx.getSystem());
            return Behaviors.receive(Command.class)
                    .onMessage(DelayedAnswer.class, m -> {
                        answer(m.call(), servedBy);
                        return Behaviors.same();
                    })
                    .onMessage(Rpc.class, rpc -> {
                        EchoSkein.Command command = rpc.command();
                        if (command instanceof Say m) {
                            onSay(ctx, m.call(), servedBy);
                        } else if (command instanceof Repeat m) {
                            m.call().respond(repeat(m.call().request(), servedBy));
                        } else if (command instanceof Collect m) {
                            m.call().reply(m.call().requests()
                                    .runWith(Sink.fold(new StringBuilder[] {null, new StringBuilder()},
                                            (acc, req) -> collect(acc, req)), mat)
                                    .thenApply(acc -> EchoReply.newBuilder()
                                            .setMessage(acc[1].toString())
                                            .setSeq(acc[0] == null ? 0 : acc[0].length())
                                            .setServedBy(servedBy.get())
                                            .build()));
                        } else if (command instanceof Chat m) {
                            m.call().respond(chat(m.call().requests(), servedBy));
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static void onSay(ActorContext<Command> ctx, UnaryCall<EchoRequest, EchoReply> call,
                              Supplier<String> servedBy) {
        CpuWork.burn(call.request().getCpuUs());
        int delay = call.request().getDelayMs();
        if (delay > 0) {
            ctx.scheduleOnce(Duration.ofMillis(delay), ctx.getSelf(), new DelayedAnswer(call));
        } else {
            answer(call, servedBy);
        }
    }

    private static void answer(UnaryCall<EchoRequest, EchoReply> call, Supplier<String> servedBy) {
        EchoRequest req = call.request();
        Status failure = failure(req);
        if (failure != null) {
            call.fail(failure);
            return;
        }
        call.reply(EchoReply.newBuilder()
                .setMessage(req.getMessage())
                .setPayload(req.getPayload())
                .setServedBy(servedBy.get())
                .build());
    }

    private static Status failure(EchoRequest req) {
        int code = req.getFailWith();
        return code >= 1 && code <= 16 ? Status.of(StatusCode.fromValue(code), req.getMessage()) : null;
    }

    // acc[0] counts (its length is the number of requests), acc[1] joins the messages.
    private static StringBuilder[] collect(StringBuilder[] acc, EchoRequest req) {
        if (acc[0] == null) {
            acc[0] = new StringBuilder();
        } else {
            acc[1].append(',');
        }
        acc[0].append('.');
        acc[1].append(req.getMessage());
        return acc;
    }

    private static Source<EchoReply, NotUsed> repeat(RepeatRequest req, Supplier<String> servedBy) {
        ByteString payload = ByteString.copyFrom(new byte[Math.max(0, req.getPayloadSize())]);
        String node = servedBy.get();
        Iterator<Long> seqs = req.getCount() <= 0
                ? LongStream.iterate(0, i -> i + 1).iterator()
                : LongStream.range(0, req.getCount()).iterator();
        Source<EchoReply, NotUsed> replies = Source.fromIterator(() -> seqs)
                .map(seq -> EchoReply.newBuilder()
                        .setMessage(req.getMessage())
                        .setPayload(payload)
                        .setSeq(seq)
                        .setServedBy(node)
                        .build());
        return req.getIntervalMs() > 0
                ? replies.throttle(1, Duration.ofMillis(req.getIntervalMs()))
                : replies;
    }

    private static Source<EchoReply, NotUsed> chat(Source<EchoRequest, NotUsed> requests, Supplier<String> servedBy) {
        String node = servedBy.get();
        return requests.zipWithIndex().map((Pair<EchoRequest, Long> p) -> {
            CpuWork.burn(p.first().getCpuUs());
            Status failure = failure(p.first());
            if (failure != null) {
                throw failure.asException();
            }
            return EchoReply.newBuilder()
                    .setMessage(p.first().getMessage())
                    .setPayload(p.first().getPayload())
                    .setSeq(p.second())
                    .setServedBy(node)
                    .build();
        });
    }
}
