package io.skein.runtime.cli;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.skein.actors.protobuf.ProtoMethods;
import io.skein.actors.protobuf.ProtoTypes;
import io.skein.actors.client.Targets;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code call TARGET package.Service/Method [JSON]}: calls one method with proto3 JSON requests and
 * prints each response as one line of JSON. Unary and server streaming take the request as an
 * argument; client and bidi streaming read one JSON request per line from standard input. An error
 * prints {@code ERROR <CODE>: <message>} to standard error; the exit code is the numeric status.
 */
public final class CallCommand {

    /** Options this command takes. */
    public static final Set<String> OPTIONS = Set.of("timeout", "metadata", "persistent-metadata", "config");

    private final ActorSystem<?> system;
    private final Collection<Descriptors.FileDescriptor> files;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    /**
     * @param system the actor system the client runs in
     * @param files  proto files whose services may be called
     */
    public CallCommand(ActorSystem<?> system, Collection<Descriptors.FileDescriptor> files, InputStream in,
                       PrintStream out, PrintStream err) {
        this.system = system;
        this.files = files;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** Runs the command; returns the exit code (0 or the status code). */
    public int run(Args args) {
        if (args.positionals().size() < 2) {
            err.println("usage: call TARGET package.Service/Method [JSON] [--timeout MS] [--metadata k=v]...");
            return 2;
        }
        String target = args.positionals().get(0);
        String methodName = args.positionals().get(1);
        String json = args.positionals().size() > 2 ? args.positionals().get(2) : null;
        try {
            Descriptors.MethodDescriptor method = findMethod(methodName);
            CallOptions options = options(args);
            try (ClientChannel channel = Targets.open(system, target)) {
                return call(channel, method, json, options);
            }
        } catch (IllegalArgumentException e) {
            err.println("ERROR " + StatusCode.INVALID_ARGUMENT + ": " + e.getMessage());
            return StatusCode.INVALID_ARGUMENT.value();
        }
    }

    private int call(ClientChannel channel, Descriptors.MethodDescriptor method, String json, CallOptions options) {
        MethodDescriptor<Message, Message> descriptor = ProtoMethods.descriptor(method);
        Message prototype = ProtoTypes.defaultInstance(method.getInputType());
        Materializer mat = Materializer.matFromSystem(system);
        try {
            switch (descriptor.kind()) {
                case UNARY -> print(channel.unary(descriptor, parse(prototype, json == null ? "{}" : json), options)
                        .toCompletableFuture().join());
                case SERVER_STREAMING -> Source.single(parse(prototype, json == null ? "{}" : json))
                        .via(channel.stream(descriptor, options))
                        .runWith(Sink.foreach(this::print), mat).toCompletableFuture().join();
                default -> {
                    Source<Message, ?> requests = json != null
                            ? Source.single(parse(prototype, json))
                            : stdinLines().map(line -> parse(prototype, line));
                    requests.via(channel.stream(descriptor, options))
                            .runWith(Sink.foreach(this::print), mat).toCompletableFuture().join();
                }
            }
            return 0;
        } catch (CompletionException e) {
            Status status = Status.fromThrowable(e.getCause() == null ? e : e.getCause());
            err.println("ERROR " + status.code() + ": " + status.message());
            return status.code().value();
        } catch (IllegalArgumentException e) {
            err.println("ERROR " + StatusCode.INVALID_ARGUMENT + ": " + e.getMessage());
            return StatusCode.INVALID_ARGUMENT.value();
        }
    }

    private Source<String, ?> stdinLines() {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        return Source.fromIterator(() -> reader.lines().filter(l -> !l.isBlank()).iterator())
                .async("pekko.actor.default-blocking-io-dispatcher");
    }

    private void print(Message m) {
        try {
            out.println(JsonFormat.printer().omittingInsignificantWhitespace().print(m));
            out.flush();
        } catch (InvalidProtocolBufferException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Message parse(Message prototype, String json) {
        Message.Builder builder = prototype.newBuilderForType();
        try {
            JsonFormat.parser().merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("request is not valid JSON for "
                    + prototype.getDescriptorForType().getFullName() + ": " + e.getMessage());
        }
        return builder.build();
    }

    private Descriptors.MethodDescriptor findMethod(String name) {
        int slash = name.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("method must be package.Service/Method: " + name);
        }
        String service = name.substring(0, slash);
        for (Descriptors.FileDescriptor f : files) {
            for (Descriptors.ServiceDescriptor s : f.getServices()) {
                if (s.getFullName().equals(service)) {
                    return ProtoMethods.find(s, name.substring(slash + 1));
                }
            }
        }
        throw new IllegalArgumentException("unknown service " + service);
    }

    private static CallOptions options(Args args) {
        CallOptions options = CallOptions.DEFAULT;
        if (args.has("timeout")) {
            options = options.withTimeout(Duration.ofMillis(args.getInt("timeout", 0)));
        }
        Metadata.Builder md = Metadata.builder();
        for (String kv : args.all("metadata")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("metadata must be key=value: " + kv);
            }
            md.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        for (String kv : args.all("persistent-metadata")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("metadata must be key=value: " + kv);
            }
            md.putPersistent(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return options.withMetadata(md.build());
    }

}
