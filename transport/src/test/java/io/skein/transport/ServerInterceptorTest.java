package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.StringMarshaller;
import io.skein.transport.testing.TestServices;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * User server middleware: interceptors run in order for every call of both protocols, before the
 * request is decoded; the first refusal ends the call with its status; a principal an interceptor sets
 * reaches the service; a throwing interceptor fails only its call (INTERNAL) and the connection serves on.
 */
class ServerInterceptorTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String WHO = "test.Mw/Who";
    private static final List<String> seen = new CopyOnWriteArrayList<>();
    private static ActorTestKit testKit;
    private static RpcServer server;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("ServerInterceptorTest", Servers.config(""));
        ServerInterceptor audit = call -> {
            seen.add("audit " + call.method());
            return null;
        };
        ServerInterceptor tenant = call -> {
            String t = call.metadata().get("tenant");
            if (t == null) {
                return Status.of(StatusCode.FAILED_PRECONDITION, "tenant metadata missing");
            }
            if (t.equals("boom")) {
                throw new IllegalStateException("interceptor bug");
            }
            call.setPrincipal(new Principal("tenant-" + t, Set.of(), "tenant"));
            return null;
        };
        server = Await.result(RpcServer.start(testKit.system(), new InetSocketAddress("127.0.0.1", 0),
                TestServices.echo().unary(WHO, (req, ctx) -> CompletableFuture.completedFuture(
                        ctx.principal().map(Principal::name).orElse("none"))).build(),
                ServerOptions.builder().interceptor(audit).interceptor(tenant).build()), LIMIT);
    }

    @AfterAll
    static void stop() {
        Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        testKit.shutdownTestKit();
    }

    private static CallOptions tenant(String t) {
        return CallOptions.DEFAULT.withMetadata(Metadata.builder().put("tenant", t).build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void interceptorsRunInOrderRefuseBeforeDecodingAndSetThePrincipal(String protocol) {
        try (EndpointChannel channel = protocol.equals("grpc") ? EndpointChannel.grpc(testKit.system(), server.localAddress())
                : EndpointChannel.create(testKit.system(), server.localAddress())) {
            MethodDescriptor<String, String> who = TestServices.method(WHO, CallKind.UNARY);
            seen.clear();
            assertEquals("tenant-a", Await.result(channel.unary(who, "", tenant("a")), LIMIT));
            assertEquals(List.of("audit " + WHO), seen);

            Throwable refused = Await.failure(channel.unary(who, StringMarshaller.POISON, CallOptions.DEFAULT), LIMIT);
            assertEquals(StatusCode.FAILED_PRECONDITION, ((StatusException) refused).status().code());
            assertEquals("tenant metadata missing", ((StatusException) refused).status().message());

            Throwable broken = Await.failure(channel.unary(who, "", tenant("boom")), LIMIT);
            assertEquals(StatusCode.INTERNAL, ((StatusException) broken).status().code());
            assertEquals("server interceptor failed", ((StatusException) broken).status().message());

            assertEquals("tenant-b", Await.result(channel.unary(who, "", tenant("b")), LIMIT));
        }
    }
}
