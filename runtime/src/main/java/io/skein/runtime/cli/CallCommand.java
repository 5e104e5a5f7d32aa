package io.skein.runtime.cli;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.DynamicMessage;
import io.skein.actors.client.Targets;
import io.skein.governance.chain.ClientGovernance;
import io.skein.actors.protobuf.DynamicProtobufMarshaller;
import io.skein.actors.protobuf.ProtoMethods;
import io.skein.actors.protobuf.ProtoTypes;
import io.skein.runtime.reflection.ReflectionClient;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code call TARGET package.Service/Method [JSON]}: calls one method with proto3 JSON requests and
 * prints each response as one line of JSON. Unary and server streaming take the request as an
 * argument; client and bidi streaming read one JSON request per line from standard input (or take the
 * one request given as an argument). {@code --repeat N} makes the call N times in a row (requests
 * given as an argument only) and stops at the first failed call, exiting with its status. An error
 * prints {@code ERROR <CODE>: <message>} to standard error; the exit code is the numeric status.
 *
 * <p>Methods resolve from the compiled proto files the command is given; a service not among them is
 * looked up through the target's gRPC server reflection ({@code file_containing_symbol}) and called
 * with {@link DynamicMessage}s, so any reflecting server can be called without its classes.
 */
public final class CallCommand {

    /** Options this command takes. */
    public static final Set<String> OPTIONS = Set.of("timeout", "metadata", "persistent-metadata", "config", "repeat");

    /** The bound of a reflection lookup when the call has no timeout. */
    private static final Duration REFLECTION_TIMEOUT = Duration.ofSeconds(10);

    private final ActorSystem<?> system;
    private final Collection<Descriptors.FileDescriptor> files;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    /**
     * @param system the actor system the client runs in
     * @param files  compiled proto files whose services may be called; others are looked up through
     *               the target's server reflection
     */
    public CallCommand(ActorSystem<?> system, Collection<Descriptors.FileDescriptor> files, InputStream in,
                       PrintStream out, PrintStream err) {
        this.system = system;
        // grpc.health.v1.Health is on every node: callable without reflection.
        List<Descriptors.FileDescriptor> known = new ArrayList<>(files);
        known.add(io.skein.runtime.health.v1.HealthProto.getDescriptor());
        this.files = known;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /**
     * Checks the arguments that need no connection: target, method and options. The command line runs
     * it before anything starts, so a usage error costs no actor system.
     *
     * @throws IllegalArgumentException (a usage error, {@link ExitCodes#USAGE}) naming what is wrong
     */
    public static void validate(Args args) {
        if (args.positionals().size() < 2) {
            throw new IllegalArgumentException("call needs TARGET and package.Service/Method (see call --help)");
        }
        if (args.positionals().size() > 3) {
            throw new IllegalArgumentException("call takes TARGET, METHOD and one JSON request, got "
                    + args.positionals().size() + " arguments (quote the JSON)");
        }
        Targets.parse(args.positionals().get(0));
        String methodName = args.positionals().get(1);
        int slash = methodName.indexOf('/');
        if (slash <= 0 || slash == methodName.length() - 1) {
            throw new IllegalArgumentException("method must be package.Service/Method, got " + methodName);
        }
        if (args.getInt("repeat", 1) < 1) {
            throw new IllegalArgumentException("option --repeat must be at least 1, got " + args.get("repeat", ""));
        }
        options(args);
    }

    /**
     * Runs the command; returns the exit code: 0, the status code of a failed call, or
     * {@link ExitCodes#USAGE} for a usage error.
     */
    public int run(Args args) {
        try {
            validate(args);
        } catch (IllegalArgumentException e) {
            err.println("ERROR: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        String target = args.positionals().get(0);
        String methodName = args.positionals().get(1);
        String json = args.positionals().size() > 2 ? args.positionals().get(2) : null;
        try {
            CallOptions options = options(args);
            int repeat = args.getInt("repeat", 1);
            int slash = methodName.indexOf('/');
            String service = methodName.substring(0, slash);
            String method = methodName.substring(slash + 1);
            Descriptors.ServiceDescriptor compiled = findCompiled(service);
            io.skein.runtime.ShmTargets.install();
            ClientChannel raw = Targets.open(system, target);
            // The client policies of --config (skein.client.services."<service>"): cluster:// targets
            // are governed already; a direct target gets the same chain over its one endpoint.
            try (ClientChannel channel = target.startsWith("cluster:") ? raw
                    : ClientGovernance.builder(system, service).channel(raw).build()) {
                if (compiled != null) {
                    Descriptors.MethodDescriptor m = ProtoMethods.find(compiled, method);
                    return call(channel, m, ProtoMethods.descriptor(m),
                            ProtoTypes.defaultInstance(m.getInputType()), json, options, repeat);
                }
                Descriptors.ServiceDescriptor reflected;
                try {
                    reflected = reflect(raw, service, options);
                } catch (CompletionException e) {
                    Status status = Status.fromThrowable(e.getCause() == null ? e : e.getCause());
                    if (status.code() == StatusCode.NOT_FOUND || status.code() == StatusCode.UNIMPLEMENTED) {
                        throw new IllegalArgumentException("unknown service " + service + ": not compiled in, and "
                                + target + " does not describe it through reflection (" + status + ")");
                    }
                    err.println("ERROR " + status.code() + ": reflection lookup of " + service + " failed: "
                            + status.message());
                    return status.code().value();
                }
                Descriptors.MethodDescriptor m = ProtoMethods.find(reflected, method);
                return call(channel, m, DynamicProtobufMarshaller.descriptor(m),
                        DynamicMessage.getDefaultInstance(m.getInputType()), json, options, repeat);
            }
        } catch (IllegalArgumentException e) {
            err.println("ERROR " + StatusCode.INVALID_ARGUMENT + ": " + e.getMessage());
            return StatusCode.INVALID_ARGUMENT.value();
        }
    }

    /** The service as the target's reflection describes it. */
    private Descriptors.ServiceDescriptor reflect(ClientChannel channel, String service, CallOptions callOptions) {
        CallOptions lookup = CallOptions.DEFAULT.withMetadata(callOptions.metadata())
                .withTimeout(callOptions.timeout() != null ? callOptions.timeout() : REFLECTION_TIMEOUT);
        Descriptors.FileDescriptor file = new ReflectionClient(system, channel, lookup)
                .fileContainingSymbol(service).toCompletableFuture().join();
        for (Descriptors.ServiceDescriptor s : file.getServices()) {
            if (s.getFullName().equals(service)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown service " + service + ": the reflection answer "
                + file.getName() + " does not declare it");
    }

    private int call(ClientChannel channel, Descriptors.MethodDescriptor method,
                     MethodDescriptor<Message, Message> descriptor, Message prototype, String json,
                     CallOptions options, int repeat) {
        boolean fromStdin = json == null && (descriptor.kind() == io.skein.protocols.CallKind.CLIENT_STREAMING
                || descriptor.kind() == io.skein.protocols.CallKind.BIDI_STREAMING);
        if (json == null && !fromStdin) {
            err.println("ERROR: " + method.getFullName() + " is " + descriptor.kind() + ": give its request as"
                    + " a JSON argument, e.g. '{}' for an empty " + method.getInputType().getName());
            return ExitCodes.USAGE;
        }
        if (repeat > 1 && fromStdin) {
            err.println("ERROR: --repeat needs the request as an argument (standard input can be read once)");
            return ExitCodes.USAGE;
        }
        for (int i = 0; i < repeat; i++) {
            int code = callOnce(channel, method, descriptor, prototype, json, options);
            if (code != 0) {
                return code;
            }
        }
        return 0;
    }

    private int callOnce(ClientChannel channel, Descriptors.MethodDescriptor method,
                         MethodDescriptor<Message, Message> descriptor, Message prototype, String json,
                         CallOptions options) {
        JsonFormat.TypeRegistry types = JsonFormat.TypeRegistry.newBuilder()
                .add(method.getInputType()).add(method.getOutputType()).build();
        JsonFormat.Parser parser = JsonFormat.parser().usingTypeRegistry(types);
        JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(types).omittingInsignificantWhitespace();
        Materializer mat = Materializer.matFromSystem(system);
        try {
            switch (descriptor.kind()) {
                case UNARY -> print(printer, channel.unary(descriptor,
                                parse(parser, prototype, json == null ? "{}" : json), options)
                        .toCompletableFuture().join());
                case SERVER_STREAMING -> Source.single(parse(parser, prototype, json == null ? "{}" : json))
                        .via(channel.stream(descriptor, options))
                        .runWith(Sink.foreach(m -> print(printer, m)), mat).toCompletableFuture().join();
                default -> {
                    Source<Message, ?> requests = json != null
                            ? Source.single(parse(parser, prototype, json))
                            : stdinLines().map(line -> parse(parser, prototype, line));
                    requests.via(channel.stream(descriptor, options))
                            .runWith(Sink.foreach(m -> print(printer, m)), mat).toCompletableFuture().join();
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

    private void print(JsonFormat.Printer printer, Message m) {
        try {
            out.println(printer.print(m));
            out.flush();
        } catch (InvalidProtocolBufferException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Message parse(JsonFormat.Parser parser, Message prototype, String json) {
        Message.Builder builder = prototype.newBuilderForType();
        try {
            parser.merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("request is not valid JSON for "
                    + prototype.getDescriptorForType().getFullName() + ": " + e.getMessage());
        }
        return builder.build();
    }

    private Descriptors.ServiceDescriptor findCompiled(String service) {
        for (Descriptors.FileDescriptor f : files) {
            for (Descriptors.ServiceDescriptor s : f.getServices()) {
                if (s.getFullName().equals(service)) {
                    return s;
                }
            }
        }
        return null;
    }

    static CallOptions options(Args args) {
        CallOptions options = CallOptions.DEFAULT;
        if (args.has("timeout")) {
            options = options.withTimeout(Duration.ofMillis(args.getPositiveMillis("timeout", 0)));
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
