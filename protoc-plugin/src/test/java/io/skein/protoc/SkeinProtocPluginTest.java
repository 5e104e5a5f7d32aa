package io.skein.protoc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import codegen.test.KvStoreV2OuterClass;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import io.skein.protoc.testing.OptionsProto;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin answers protoc's request with one class per service, named as protoc names Java classes, that compiles. */
class SkeinProtocPluginTest {

    private static CodeGeneratorRequest request() {
        return CodeGeneratorRequest.newBuilder()
                .addProtoFile(KvStoreV2OuterClass.getDescriptor().toProto())
                .addProtoFile(OptionsProto.getDescriptor().toProto())
                .addFileToGenerate("codegen/kv_store-v2.proto")
                .addFileToGenerate("codegen/options.proto")
                .build();
    }

    private static Map<String, String> generated() throws IOException {
        // Through the byte form protoc sends, as main() reads it.
        CodeGeneratorResponse response = SkeinProtocPlugin.generate(new ByteArrayInputStream(request().toByteArray()));
        assertFalse(response.hasError(), response.getError());
        assertEquals(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE, response.getSupportedFeatures());
        return response.getFileList().stream()
                .collect(Collectors.toMap(CodeGeneratorResponse.File::getName, CodeGeneratorResponse.File::getContent));
    }

    @Test
    void eachServiceGetsOneClassInItsFilesJavaPackage() throws IOException {
        assertEquals(List.of("codegen/test/StoreSkein.java", "io/skein/protoc/testing/LowerCaseServiceSkein.java"),
                generated().keySet().stream().sorted().toList());
    }

    @Test
    void messageClassesAreNamedAsProtocNamesThem() throws IOException {
        String store = generated().get("codegen/test/StoreSkein.java");
        // No java_outer_classname: the file name in camel case, plus OuterClass as a message took that name.
        assertTrue(store.contains("codegen.test.KvStoreV2OuterClass.getDescriptor().findServiceByName(\"Store\")"), store);
        assertTrue(store.contains("UnaryCall<codegen.test.KvStoreV2OuterClass.Entry.Key, codegen.test.KvStoreV2OuterClass.Entry>"),
                store);
        String options = generated().get("io/skein/protoc/testing/LowerCaseServiceSkein.java");
        assertTrue(options.contains("io.skein.protoc.testing.OptionsProto.getDescriptor()"), options);
        assertTrue(options.contains("UnaryCall<io.skein.protoc.testing.Ping, codegen.test.KvStoreV2OuterClass.Entry>"),
                options);
    }

    @Test
    void rpcNamesBecomeRecordsAndClientMethodsWithoutClashes() throws IOException {
        String store = generated().get("codegen/test/StoreSkein.java");
        assertTrue(store.contains("permits Get, Watch, PutAll, Sync, CommandCall, Default {"), store);
        assertTrue(store.contains(" default_(codegen.test.KvStoreV2OuterClass.Entry request)"), store);
        assertTrue(store.contains(" putAll(org.apache.pekko.stream.javadsl.Source<codegen.test.KvStoreV2OuterClass.Entry, ?> requests)"),
                store);
        assertTrue(store.contains(" syncFlow()"), store);
        assertTrue(generated().get("io/skein/protoc/testing/LowerCaseServiceSkein.java").contains(" sayHello("));
    }

    @Test
    void theGeneratedClassesCompileAgainstSkeinActors(@TempDir Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> e : generated().entrySet()) {
            Path file = dir.resolve("src").resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
            files.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", dir.resolve("classes").toString(), "-Xlint:all", "-Werror",
                "-cp", System.getProperty("java.class.path")));
        args.addAll(files);
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        int exit = javac.run(null, errors, errors, args.toArray(String[]::new));
        assertEquals(0, exit, errors::toString);
    }

    @Test
    void aRequestThatDoesNotBuildIsAnsweredWithAnErrorNotACrash() {
        CodeGeneratorResponse response = SkeinProtocPlugin.generate(CodeGeneratorRequest.newBuilder()
                .addProtoFile(OptionsProto.getDescriptor().toProto()) // its import is missing
                .addFileToGenerate("codegen/options.proto")
                .build());
        assertTrue(response.hasError());
        assertTrue(response.getError().startsWith("skein-protoc-plugin: "), response.getError());
        assertEquals(0, response.getFileCount());
    }
}
