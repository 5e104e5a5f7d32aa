package io.skein.runtime.reflection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.ServiceClient;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.reflection.v1alpha.ExtensionRequest;
import io.skein.runtime.reflection.v1alpha.ServerReflectionRequest;
import io.skein.runtime.reflection.v1alpha.ServerReflectionResponse;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.EndpointChannel;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server reflection served by a real node over {@code skein://}: list, files by symbol and by name
 * with their transitive dependencies, extensions, errors that leave the stream open, v1 as well as
 * v1alpha, and a node with reflection turned off.
 */
class ReflectionServiceTest {

    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final String GREETER = "skein.reflect.test.Greeter";

    private static SkeinNode node;
    private static ActorSystem<Void> client;
    private static ClientChannel channel;
    private static Materializer mat;

    @BeforeAll
    static void start() {
        node = Greeters.node(true);
        client = ActorSystem.create(Behaviors.empty(), "reflection-client",
                ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
        channel = EndpointChannel.create(client, node.address());
        mat = Materializer.matFromSystem(client);
    }

    @AfterAll
    static void stop() {
        try {
            client.terminate();
            Await.result(client.getWhenTerminated(), Duration.ofSeconds(30));
        } finally {
            Greeters.close(node);
        }
    }

    /** Sends {@code requests} on one v1alpha stream and returns every answer. */
    private static List<ServerReflectionResponse> ask(ServerReflectionRequest... requests) {
        ServiceClient reflection = ServiceClient.create(client, channel, ReflectionService.v1alpha());
        return Await.result(Source.from(List.of(requests))
                .via(reflection.bidiStreaming(ReflectionService.METHOD, ServerReflectionRequest.class,
                        ServerReflectionResponse.class).call(CallOptions.timeout(BOUND)))
                .runWith(Sink.seq(), mat), BOUND);
    }

    private static List<String> fileNames(ServerReflectionResponse r) {
        assertTrue(r.hasFileDescriptorResponse(), () -> "not a file answer: " + r);
        return r.getFileDescriptorResponse().getFileDescriptorProtoList().stream()
                .map(ReflectionServiceTest::parse).map(FileDescriptorProto::getName).toList();
    }

    private static FileDescriptorProto parse(ByteString b) {
        try {
            return FileDescriptorProto.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a FileDescriptorProto", e);
        }
    }

    @Test
    void listsTheNodesServicesHealthAndItself() {
        ServerReflectionResponse r = ask(ServerReflectionRequest.newBuilder().setHost("h").setListServices("").build())
                .get(0);
        assertEquals(List.of(GREETER, io.skein.runtime.health.HealthService.NAME, ReflectionService.V1ALPHA,
                        ReflectionService.V1),
                r.getListServicesResponse().getServiceList().stream().map(s -> s.getName()).toList());
        assertEquals("h", r.getValidHost());
        assertEquals("h", r.getOriginalRequest().getHost());
        // The node lists only the services it was built with.
        assertEquals(List.of(GREETER), node.services());
    }

    @Test
    void fileContainingSymbolCarriesTheTransitiveDependencies() {
        for (String symbol : List.of(GREETER, GREETER + ".Greet", "skein.reflect.test.GreetReply",
                "skein.reflect.test.GreetReply.Detail")) {
            ServerReflectionResponse r = ask(ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol(symbol).build()).get(0);
            List<String> names = fileNames(r);
            assertEquals("skein/reflect/test/greeter.proto", names.get(0), symbol);
            assertEquals(List.of("skein/reflect/test/greeter.proto", "google/protobuf/timestamp.proto",
                    "skein/reflect/test/types.proto", "google/protobuf/descriptor.proto"), names, symbol);
            assertEquals(symbol, r.getOriginalRequest().getFileContainingSymbol());
        }
        // A symbol of a dependency answers with the dependency's own file first.
        assertEquals(List.of("skein/reflect/test/types.proto", "google/protobuf/descriptor.proto"),
                fileNames(ask(ServerReflectionRequest.newBuilder()
                        .setFileContainingSymbol("skein.reflect.test.Mood").build()).get(0)));
    }

    @Test
    void theAnswerBuildsIntoUsableDescriptors() {
        Descriptors.FileDescriptor file = Await.result(new ReflectionClient(client, channel, CallOptions.timeout(BOUND))
                .fileContainingSymbol(GREETER), BOUND);
        Descriptors.ServiceDescriptor greeter = file.findServiceByName("Greeter");
        assertEquals(List.of("Greet", "GreetMany", "Chat"),
                greeter.getMethods().stream().map(Descriptors.MethodDescriptor::getName).toList());
        assertEquals("skein.reflect.test.GreetRequest", greeter.findMethodByName("Greet").getInputType().getFullName());
        assertTrue(greeter.findMethodByName("GreetMany").isServerStreaming());
        // Byte for byte the server's file (the custom option stays as an unknown field when parsed here).
        assertEquals(Greeters.GREETER.getFile().toProto().toByteString(), file.toProto().toByteString());
    }

    @Test
    void fileByFilename() {
        assertEquals(List.of("skein/reflect/test/types.proto", "google/protobuf/descriptor.proto"),
                fileNames(ask(ServerReflectionRequest.newBuilder()
                        .setFileByFilename("skein/reflect/test/types.proto").build()).get(0)));
        assertEquals(List.of("google/protobuf/timestamp.proto"), fileNames(ask(ServerReflectionRequest.newBuilder()
                .setFileByFilename("google/protobuf/timestamp.proto").build()).get(0)));
    }

    @Test
    void extensions() {
        ServerReflectionResponse byExtension = ask(ServerReflectionRequest.newBuilder()
                .setFileContainingExtension(ExtensionRequest.newBuilder()
                        .setContainingType("google.protobuf.MessageOptions").setExtensionNumber(50001))
                .build()).get(0);
        assertEquals("skein/reflect/test/types.proto", fileNames(byExtension).get(0));
        ServerReflectionResponse numbers = ask(ServerReflectionRequest.newBuilder()
                .setAllExtensionNumbersOfType("google.protobuf.MessageOptions").build()).get(0);
        assertEquals("google.protobuf.MessageOptions", numbers.getAllExtensionNumbersResponse().getBaseTypeName());
        assertEquals(List.of(50001), numbers.getAllExtensionNumbersResponse().getExtensionNumberList());
    }

    @Test
    void unknownThingsAreNotFoundAndTheStreamGoesOn() {
        List<ServerReflectionResponse> answers = ask(
                ServerReflectionRequest.newBuilder().setFileContainingSymbol("no.such.Service").build(),
                ServerReflectionRequest.newBuilder().setFileByFilename("no/such.proto").build(),
                ServerReflectionRequest.newBuilder().setFileContainingExtension(ExtensionRequest.newBuilder()
                        .setContainingType(GREETER).setExtensionNumber(7)).build(),
                ServerReflectionRequest.newBuilder().setAllExtensionNumbersOfType("no.such.Type").build(),
                ServerReflectionRequest.newBuilder().setHost("empty").build(),
                ServerReflectionRequest.newBuilder().setFileContainingSymbol(GREETER).build());
        assertEquals(6, answers.size());
        for (int i = 0; i < 4; i++) {
            ServerReflectionResponse r = answers.get(i);
            assertTrue(r.hasErrorResponse(), r::toString);
            assertEquals(StatusCode.NOT_FOUND.value(), r.getErrorResponse().getErrorCode(), r::toString);
        }
        assertTrue(answers.get(0).getErrorResponse().getErrorMessage().contains("no.such.Service"));
        assertTrue(answers.get(1).getErrorResponse().getErrorMessage().contains("no/such.proto"));
        assertEquals(StatusCode.INVALID_ARGUMENT.value(), answers.get(4).getErrorResponse().getErrorCode());
        assertEquals("skein/reflect/test/greeter.proto", fileNames(answers.get(5)).get(0));

        StatusException e = (StatusException) Await.failure(new ReflectionClient(client, channel,
                CallOptions.timeout(BOUND)).fileContainingSymbol("no.such.Service"), BOUND);
        assertEquals(StatusCode.NOT_FOUND, e.code());
    }

    @Test
    void v1AnswersLikeV1alpha() {
        ServiceClient v1 = ServiceClient.create(client, channel, ReflectionService.v1());
        List<io.skein.runtime.reflection.v1.ServerReflectionResponse> answers = Await.result(Source.from(List.of(
                        io.skein.runtime.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build(),
                        io.skein.runtime.reflection.v1.ServerReflectionRequest.newBuilder()
                                .setFileContainingSymbol(GREETER).build()))
                .via(v1.bidiStreaming(ReflectionService.METHOD,
                        io.skein.runtime.reflection.v1.ServerReflectionRequest.class,
                        io.skein.runtime.reflection.v1.ServerReflectionResponse.class).call(CallOptions.timeout(BOUND)))
                .runWith(Sink.seq(), mat), BOUND);
        assertEquals(4, answers.get(0).getListServicesResponse().getServiceCount());
        assertEquals(4, answers.get(1).getFileDescriptorResponse().getFileDescriptorProtoCount());
        assertEquals(Await.result(new ReflectionClient(client, channel, CallOptions.timeout(BOUND)).listServices(),
                BOUND), List.of(GREETER, io.skein.runtime.health.HealthService.NAME, ReflectionService.V1ALPHA,
                ReflectionService.V1));
    }

    @Test
    void aNodeWithoutReflectionAnswersUnimplemented() {
        SkeinNode plain = Greeters.node(false);
        try (ClientChannel other = EndpointChannel.create(client, plain.address())) {
            StatusException e = (StatusException) Await.failure(new ReflectionClient(client, other,
                    CallOptions.timeout(BOUND)).fileContainingSymbol(GREETER), BOUND);
            assertEquals(StatusCode.UNIMPLEMENTED, e.code());
        } finally {
            Greeters.close(plain);
        }
    }
}
