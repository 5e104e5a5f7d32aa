package io.skein.protoc;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * A protoc plugin: reads protoc's {@code CodeGeneratorRequest} on stdin and answers, on stdout, one
 * Java source per service of each file to generate ({@link ServiceGenerator}: the actor protocol,
 * the {@code ServiceDefinition} wiring and a typed client). With protobuf-maven-plugin:
 *
 * <pre>{@code
 * <protocPlugins>
 *   <protocPlugin>
 *     <id>skein</id>
 *     <groupId>io.skein</groupId>
 *     <artifactId>skein-protoc-plugin</artifactId>
 *     <version>${skein.version}</version>
 *     <mainClass>io.skein.protoc.SkeinProtocPlugin</mainClass>
 *   </protocPlugin>
 * </protocPlugins>
 * }</pre>
 *
 * <p>A problem with the input (a descriptor that does not build) is reported to protoc as the
 * response's error, which protoc prints as one line; the exit code stays 0 as the protocol asks.
 */
public final class SkeinProtocPlugin {

    private SkeinProtocPlugin() {
    }

    public static void main(String[] args) throws IOException {
        CodeGeneratorResponse response = generate(CodeGeneratorRequest.parseFrom(System.in));
        OutputStream out = System.out;
        response.writeTo(out);
        out.flush();
    }

    /** Reads a request from {@code in} (for tests and other hosts). */
    static CodeGeneratorResponse generate(InputStream in) throws IOException {
        return generate(CodeGeneratorRequest.parseFrom(in));
    }

    /** The generated files for {@code request}, or an error response. */
    public static CodeGeneratorResponse generate(CodeGeneratorRequest request) {
        CodeGeneratorResponse.Builder response = CodeGeneratorResponse.newBuilder()
                .setSupportedFeatures(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE);
        try {
            Map<String, Descriptors.FileDescriptor> files = new HashMap<>();
            // protoc lists every file after the files it imports.
            for (DescriptorProtos.FileDescriptorProto proto : request.getProtoFileList()) {
                Descriptors.FileDescriptor[] deps = proto.getDependencyList().stream()
                        .map(files::get).toArray(Descriptors.FileDescriptor[]::new);
                files.put(proto.getName(), Descriptors.FileDescriptor.buildFrom(proto, deps));
            }
            for (String name : request.getFileToGenerateList()) {
                Descriptors.FileDescriptor file = files.get(name);
                for (Descriptors.ServiceDescriptor service : file.getServices()) {
                    ServiceGenerator generator = new ServiceGenerator(service);
                    response.addFile(CodeGeneratorResponse.File.newBuilder()
                            .setName(generator.fileName())
                            .setContent(generator.source()));
                }
            }
        } catch (Descriptors.DescriptorValidationException | RuntimeException e) {
            return CodeGeneratorResponse.newBuilder()
                    .setError("skein-protoc-plugin: " + e.getMessage()).build();
        }
        return response.build();
    }
}
