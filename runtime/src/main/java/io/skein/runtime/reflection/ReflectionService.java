package io.skein.runtime.reflection;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.protocols.StatusCode;
import io.skein.runtime.reflection.v1alpha.ErrorResponse;
import io.skein.runtime.reflection.v1alpha.ExtensionNumberResponse;
import io.skein.runtime.reflection.v1alpha.ExtensionRequest;
import io.skein.runtime.reflection.v1alpha.FileDescriptorResponse;
import io.skein.runtime.reflection.v1alpha.ListServiceResponse;
import io.skein.runtime.reflection.v1alpha.ServerReflectionRequest;
import io.skein.runtime.reflection.v1alpha.ServerReflectionResponse;
import io.skein.runtime.reflection.v1alpha.ServiceResponse;
import io.skein.transport.CallContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * gRPC server reflection ({@code grpc.reflection.v1alpha.ServerReflection} and
 * {@code grpc.reflection.v1.ServerReflection}, the same messages in two packages) as a Skein service,
 * so generic tools (grpcurl, Postman, Skein's own {@code call}) can list the services of a node and
 * fetch their schemas. Built from the service descriptors a node serves; it answers
 * {@code list_services} (those services and the reflection services themselves),
 * {@code file_by_filename} and {@code file_containing_symbol} (the file, then its transitive
 * dependencies, as serialized {@code FileDescriptorProto}s), {@code file_containing_extension},
 * {@code all_extension_numbers_of_type}, and an {@code error_response} with {@code NOT_FOUND} for
 * anything it does not know (the stream goes on).
 *
 * <p>Immutable and thread-safe; {@link io.skein.runtime.SkeinNode.Builder#reflection(boolean)} serves one on every node by
 * default.
 */
public final class ReflectionService {

    /** {@code grpc.reflection.v1alpha.ServerReflection}. */
    public static final String V1ALPHA = "grpc.reflection.v1alpha.ServerReflection";
    /** {@code grpc.reflection.v1.ServerReflection}. */
    public static final String V1 = "grpc.reflection.v1.ServerReflection";
    /** The one method of both reflection services. */
    public static final String METHOD = "ServerReflectionInfo";

    private final List<String> serviceNames;
    private final Map<String, Descriptors.FileDescriptor> filesByName;
    private final Map<String, Descriptors.FileDescriptor> filesBySymbol;
    /** Extendee full name → extension number → the extension. */
    private final Map<String, Map<Integer, Descriptors.FieldDescriptor>> extensions;

    private ReflectionService(Collection<Descriptors.ServiceDescriptor> services) {
        Set<String> names = new LinkedHashSet<>();
        Map<String, Descriptors.FileDescriptor> byName = new LinkedHashMap<>();
        for (Descriptors.ServiceDescriptor s : services) {
            names.add(s.getFullName());
            collect(s.getFile(), byName);
        }
        for (Descriptors.ServiceDescriptor s : List.of(v1alpha(), v1())) {
            names.add(s.getFullName());
            collect(s.getFile(), byName);
        }
        Map<String, Descriptors.FileDescriptor> bySymbol = new HashMap<>();
        Map<String, Map<Integer, Descriptors.FieldDescriptor>> ext = new HashMap<>();
        for (Descriptors.FileDescriptor f : byName.values()) {
            index(f, bySymbol, ext);
        }
        this.serviceNames = List.copyOf(names);
        this.filesByName = Collections.unmodifiableMap(byName);
        this.filesBySymbol = Map.copyOf(bySymbol);
        Map<String, Map<Integer, Descriptors.FieldDescriptor>> frozen = new HashMap<>();
        ext.forEach((k, v) -> frozen.put(k, Collections.unmodifiableMap(v)));
        this.extensions = Map.copyOf(frozen);
    }

    /** Reflection over {@code services} (their files and everything those import), plus itself. */
    public static ReflectionService of(Collection<Descriptors.ServiceDescriptor> services) {
        return new ReflectionService(List.copyOf(requireNonNull(services, "services")));
    }

    /** Reflection over every service declared in {@code files}, plus itself. */
    public static ReflectionService forFiles(Collection<Descriptors.FileDescriptor> files) {
        List<Descriptors.ServiceDescriptor> services = new ArrayList<>();
        for (Descriptors.FileDescriptor f : requireNonNull(files, "files")) {
            services.addAll(f.getServices());
        }
        return of(services);
    }

    /** The v1alpha reflection service descriptor. */
    public static Descriptors.ServiceDescriptor v1alpha() {
        return io.skein.runtime.reflection.v1alpha.ServerReflectionProto.getDescriptor()
                .findServiceByName("ServerReflection");
    }

    /** The v1 reflection service descriptor. */
    public static Descriptors.ServiceDescriptor v1() {
        return io.skein.runtime.reflection.v1.ServerReflectionProto.getDescriptor()
                .findServiceByName("ServerReflection");
    }

    /** Full names of the services listed by {@code list_services}, in registration order. */
    public List<String> serviceNames() {
        return serviceNames;
    }

    /** The v1alpha service, ready to serve. */
    public ServiceDefinition<FunctionalService.Invocation> v1alphaDefinition() {
        return FunctionalService.builder(v1alpha())
                .<ServerReflectionRequest, ServerReflectionResponse>bidiStreaming(METHOD, this::serve)
                .build();
    }

    /** The v1 service, ready to serve (answered by the same code: the messages are wire-identical). */
    public ServiceDefinition<FunctionalService.Invocation> v1Definition() {
        return FunctionalService.builder(v1())
                .<io.skein.runtime.reflection.v1.ServerReflectionRequest,
                        io.skein.runtime.reflection.v1.ServerReflectionResponse>bidiStreaming(METHOD,
                        (requests, ctx) -> requests.map(r -> toV1(answer(toV1alpha(r)))))
                .build();
    }

    /** Both reflection services. */
    public List<ServiceDefinition<?>> definitions() {
        return List.of(v1alphaDefinition(), v1Definition());
    }

    private Source<ServerReflectionResponse, NotUsed> serve(Source<ServerReflectionRequest, NotUsed> requests,
                                                            CallContext ctx) {
        return requests.map(this::answer);
    }

    /** The answer to one request; never throws (unknown things are an {@code error_response}). */
    public ServerReflectionResponse answer(ServerReflectionRequest request) {
        ServerReflectionResponse.Builder response = ServerReflectionResponse.newBuilder()
                .setValidHost(request.getHost())
                .setOriginalRequest(request);
        switch (request.getMessageRequestCase()) {
            case LIST_SERVICES -> {
                ListServiceResponse.Builder list = ListServiceResponse.newBuilder();
                serviceNames.forEach(n -> list.addService(ServiceResponse.newBuilder().setName(n)));
                response.setListServicesResponse(list);
            }
            case FILE_BY_FILENAME -> {
                Descriptors.FileDescriptor f = filesByName.get(request.getFileByFilename());
                if (f == null) {
                    return error(response, StatusCode.NOT_FOUND, "file not found: " + request.getFileByFilename());
                }
                response.setFileDescriptorResponse(withDependencies(f));
            }
            case FILE_CONTAINING_SYMBOL -> {
                Descriptors.FileDescriptor f = filesBySymbol.get(request.getFileContainingSymbol());
                if (f == null) {
                    return error(response, StatusCode.NOT_FOUND, "symbol not found: "
                            + request.getFileContainingSymbol());
                }
                response.setFileDescriptorResponse(withDependencies(f));
            }
            case FILE_CONTAINING_EXTENSION -> {
                ExtensionRequest er = request.getFileContainingExtension();
                Descriptors.FieldDescriptor ext = extensions.getOrDefault(er.getContainingType(), Map.of())
                        .get(er.getExtensionNumber());
                if (ext == null) {
                    return error(response, StatusCode.NOT_FOUND, "extension not found: "
                            + er.getContainingType() + " #" + er.getExtensionNumber());
                }
                response.setFileDescriptorResponse(withDependencies(ext.getFile()));
            }
            case ALL_EXTENSION_NUMBERS_OF_TYPE -> {
                String type = request.getAllExtensionNumbersOfType();
                Descriptors.FileDescriptor f = filesBySymbol.get(type);
                if (f == null || findNestedMessage(f, type) == null) {
                    return error(response, StatusCode.NOT_FOUND, "type not found: " + type);
                }
                response.setAllExtensionNumbersResponse(ExtensionNumberResponse.newBuilder()
                        .setBaseTypeName(type)
                        .addAllExtensionNumber(new TreeMap<>(extensions.getOrDefault(type, Map.of())).keySet()));
            }
            default -> {
                return error(response, StatusCode.INVALID_ARGUMENT, "the request names nothing to look up");
            }
        }
        return response.build();
    }

    private static ServerReflectionResponse error(ServerReflectionResponse.Builder response, StatusCode code,
                                                  String message) {
        return response.setErrorResponse(ErrorResponse.newBuilder()
                .setErrorCode(code.value())
                .setErrorMessage(message)).build();
    }

    /** The file first, then every file it imports, transitively, each once. */
    private static FileDescriptorResponse withDependencies(Descriptors.FileDescriptor file) {
        FileDescriptorResponse.Builder out = FileDescriptorResponse.newBuilder();
        Set<String> seen = new LinkedHashSet<>();
        Deque<Descriptors.FileDescriptor> todo = new ArrayDeque<>();
        todo.add(file);
        while (!todo.isEmpty()) {
            Descriptors.FileDescriptor f = todo.poll();
            if (seen.add(f.getName())) {
                out.addFileDescriptorProto(f.toProto().toByteString());
                todo.addAll(f.getDependencies());
            }
        }
        return out.build();
    }

    private static void collect(Descriptors.FileDescriptor f, Map<String, Descriptors.FileDescriptor> into) {
        if (into.putIfAbsent(f.getName(), f) == null) {
            for (Descriptors.FileDescriptor d : f.getDependencies()) {
                collect(d, into);
            }
        }
    }

    private static void index(Descriptors.FileDescriptor f, Map<String, Descriptors.FileDescriptor> symbols,
                              Map<String, Map<Integer, Descriptors.FieldDescriptor>> ext) {
        for (Descriptors.ServiceDescriptor s : f.getServices()) {
            symbols.putIfAbsent(s.getFullName(), f);
            for (Descriptors.MethodDescriptor m : s.getMethods()) {
                symbols.putIfAbsent(m.getFullName(), f);
            }
        }
        for (Descriptors.Descriptor m : f.getMessageTypes()) {
            indexMessage(m, symbols, ext);
        }
        for (Descriptors.EnumDescriptor e : f.getEnumTypes()) {
            symbols.putIfAbsent(e.getFullName(), f);
        }
        for (Descriptors.FieldDescriptor x : f.getExtensions()) {
            indexExtension(x, symbols, ext);
        }
    }

    private static void indexMessage(Descriptors.Descriptor m, Map<String, Descriptors.FileDescriptor> symbols,
                                     Map<String, Map<Integer, Descriptors.FieldDescriptor>> ext) {
        symbols.putIfAbsent(m.getFullName(), m.getFile());
        for (Descriptors.Descriptor nested : m.getNestedTypes()) {
            indexMessage(nested, symbols, ext);
        }
        for (Descriptors.EnumDescriptor e : m.getEnumTypes()) {
            symbols.putIfAbsent(e.getFullName(), m.getFile());
        }
        for (Descriptors.FieldDescriptor x : m.getExtensions()) {
            indexExtension(x, symbols, ext);
        }
    }

    private static void indexExtension(Descriptors.FieldDescriptor x, Map<String, Descriptors.FileDescriptor> symbols,
                                       Map<String, Map<Integer, Descriptors.FieldDescriptor>> ext) {
        symbols.putIfAbsent(x.getFullName(), x.getFile());
        ext.computeIfAbsent(x.getContainingType().getFullName(), k -> new HashMap<>()).putIfAbsent(x.getNumber(), x);
    }

    private static Descriptors.Descriptor findNestedMessage(Descriptors.FileDescriptor f, String fullName) {
        Deque<Descriptors.Descriptor> todo = new ArrayDeque<>(f.getMessageTypes());
        while (!todo.isEmpty()) {
            Descriptors.Descriptor d = todo.poll();
            if (d.getFullName().equals(fullName)) {
                return d;
            }
            todo.addAll(d.getNestedTypes());
        }
        return null;
    }

    private static ServerReflectionRequest toV1alpha(io.skein.runtime.reflection.v1.ServerReflectionRequest r) {
        try {
            return ServerReflectionRequest.parseFrom(r.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("v1 and v1alpha reflection requests are wire-identical", e);
        }
    }

    private static io.skein.runtime.reflection.v1.ServerReflectionResponse toV1(ServerReflectionResponse r) {
        ByteString bytes = r.toByteString();
        try {
            return io.skein.runtime.reflection.v1.ServerReflectionResponse.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("v1 and v1alpha reflection responses are wire-identical", e);
        }
    }
}
