package io.skein.runtime.reflection;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import io.skein.actors.protobuf.ProtoMethods;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.reflection.v1alpha.ServerReflectionRequest;
import io.skein.runtime.reflection.v1alpha.ServerReflectionResponse;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Asks a server's reflection service for schemas, over any {@link ClientChannel}: {@code v1} first,
 * then {@code v1alpha} when the server does not serve {@code v1}. Each question is one short call.
 */
public final class ReflectionClient {

    /** Files protobuf-java ships with, for a server that leaves them out of its answer. */
    private static final Map<String, Descriptors.FileDescriptor> WELL_KNOWN = wellKnown();

    private final ClientChannel channel;
    private final Materializer materializer;
    private final CallOptions options;

    /**
     * @param options options of each reflection call (its timeout bounds the question)
     */
    public ReflectionClient(ActorSystem<?> system, ClientChannel channel, CallOptions options) {
        this.channel = requireNonNull(channel, "channel");
        this.materializer = Materializer.matFromSystem(requireNonNull(system, "system"));
        this.options = requireNonNull(options, "options");
    }

    /** The services the server lists. */
    public CompletionStage<List<String>> listServices() {
        return ask(ServerReflectionRequest.newBuilder().setListServices("*").build())
                .thenApply(r -> r.getListServicesResponse().getServiceList().stream()
                        .map(s -> s.getName()).toList());
    }

    /**
     * The file declaring {@code symbol} (e.g. {@code package.Service}), built with its dependencies.
     * Fails with the server's error status ({@code NOT_FOUND}), or {@code UNIMPLEMENTED} when the
     * server offers no reflection.
     */
    public CompletionStage<Descriptors.FileDescriptor> fileContainingSymbol(String symbol) {
        requireNonNull(symbol, "symbol");
        return ask(ServerReflectionRequest.newBuilder().setFileContainingSymbol(symbol).build())
                .thenApply(ReflectionClient::build);
    }

    /** The file named {@code name}, built with its dependencies. */
    public CompletionStage<Descriptors.FileDescriptor> fileByFilename(String name) {
        requireNonNull(name, "name");
        return ask(ServerReflectionRequest.newBuilder().setFileByFilename(name).build())
                .thenApply(ReflectionClient::build);
    }

    private CompletionStage<ServerReflectionResponse> ask(ServerReflectionRequest request) {
        return askV1(request).handle((r, e) -> {
            if (e == null) {
                return (CompletionStage<ServerReflectionResponse>) java.util.concurrent.CompletableFuture
                        .completedFuture(r);
            }
            if (Status.fromThrowable(e).code() == StatusCode.UNIMPLEMENTED) {
                return askV1alpha(request);
            }
            return java.util.concurrent.CompletableFuture.<ServerReflectionResponse>failedFuture(unwrap(e));
        }).thenCompose(s -> s).thenApply(r -> {
            if (r.hasErrorResponse()) {
                throw new StatusException(StatusCode.fromValue(r.getErrorResponse().getErrorCode()),
                        r.getErrorResponse().getErrorMessage());
            }
            return r;
        });
    }

    private CompletionStage<ServerReflectionResponse> askV1alpha(ServerReflectionRequest request) {
        MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> method =
                ProtoMethods.descriptor(ReflectionService.v1alpha().findMethodByName(ReflectionService.METHOD));
        return first(Source.single(request).via(channel.stream(method, options)));
    }

    private CompletionStage<ServerReflectionResponse> askV1(ServerReflectionRequest request) {
        MethodDescriptor<io.skein.runtime.reflection.v1.ServerReflectionRequest,
                io.skein.runtime.reflection.v1.ServerReflectionResponse> method =
                ProtoMethods.descriptor(ReflectionService.v1().findMethodByName(ReflectionService.METHOD));
        return first(Source.single(convert(request.toByteString(),
                        io.skein.runtime.reflection.v1.ServerReflectionRequest.parser()))
                .via(channel.stream(method, options))
                .map(r -> convert(r.toByteString(), ServerReflectionResponse.parser())));
    }

    private CompletionStage<ServerReflectionResponse> first(Source<ServerReflectionResponse, ?> responses) {
        return responses.runWith(Sink.seq(), materializer).thenApply(all -> {
            if (all.isEmpty()) {
                throw new StatusException(StatusCode.INTERNAL, "reflection service sent no answer");
            }
            return all.get(0);
        });
    }

    private static <T> T convert(ByteString bytes, com.google.protobuf.Parser<T> parser) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** Builds the first file of a reflection answer, resolving its imports among the others. */
    static Descriptors.FileDescriptor build(ServerReflectionResponse response) {
        List<ByteString> raw = response.getFileDescriptorResponse().getFileDescriptorProtoList();
        if (raw.isEmpty()) {
            throw new StatusException(StatusCode.INTERNAL, "reflection answer holds no file");
        }
        Map<String, DescriptorProtos.FileDescriptorProto> protos = new LinkedHashMap<>();
        for (ByteString b : raw) {
            DescriptorProtos.FileDescriptorProto p = convert(b, DescriptorProtos.FileDescriptorProto.parser());
            protos.putIfAbsent(p.getName(), p);
        }
        String first = protos.keySet().iterator().next();
        return build(first, protos, new HashMap<>(), new java.util.HashSet<>());
    }

    private static Descriptors.FileDescriptor build(String name, Map<String, DescriptorProtos.FileDescriptorProto> protos,
                                                    Map<String, Descriptors.FileDescriptor> built, Set<String> inProgress) {
        Descriptors.FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        DescriptorProtos.FileDescriptorProto proto = protos.get(name);
        if (proto == null) {
            Descriptors.FileDescriptor wk = WELL_KNOWN.get(name);
            if (wk == null) {
                throw new StatusException(StatusCode.INTERNAL, "reflection answer lacks the imported file " + name);
            }
            return wk;
        }
        if (!inProgress.add(name)) {
            throw new StatusException(StatusCode.INTERNAL, "import cycle through " + name);
        }
        Descriptors.FileDescriptor[] deps = new Descriptors.FileDescriptor[proto.getDependencyCount()];
        for (int i = 0; i < deps.length; i++) {
            deps[i] = build(proto.getDependency(i), protos, built, inProgress);
        }
        try {
            Descriptors.FileDescriptor f = Descriptors.FileDescriptor.buildFrom(proto, deps);
            built.put(name, f);
            return f;
        } catch (Descriptors.DescriptorValidationException e) {
            throw new StatusException(StatusCode.INTERNAL, "invalid descriptor " + name + " from reflection: "
                    + e.getMessage());
        }
    }

    private static Map<String, Descriptors.FileDescriptor> wellKnown() {
        Map<String, Descriptors.FileDescriptor> m = new HashMap<>();
        for (Descriptors.FileDescriptor f : List.of(
                com.google.protobuf.AnyProto.getDescriptor(),
                com.google.protobuf.ApiProto.getDescriptor(),
                com.google.protobuf.DescriptorProtos.getDescriptor(),
                com.google.protobuf.DurationProto.getDescriptor(),
                com.google.protobuf.EmptyProto.getDescriptor(),
                com.google.protobuf.FieldMaskProto.getDescriptor(),
                com.google.protobuf.SourceContextProto.getDescriptor(),
                com.google.protobuf.StructProto.getDescriptor(),
                com.google.protobuf.TimestampProto.getDescriptor(),
                com.google.protobuf.TypeProto.getDescriptor(),
                com.google.protobuf.WrappersProto.getDescriptor())) {
            m.put(f.getName(), f);
        }
        return Map.copyOf(m);
    }
}
