package io.skein.governance.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallCredentials;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.EndpointChannel;
import io.skein.transport.RpcServer;
import io.skein.transport.ServerOptions;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.StringMarshaller;
import io.skein.transport.testing.TestPki;
import io.skein.transport.testing.TestServices;
import io.skein.transport.tls.TlsSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Authentication and per-method authorization from {@code skein.security} on a real server over TLS
 * (client certificates optional), through both protocols: bearer tokens and mTLS identities become the
 * call's principal, rules allow and deny by principal and role, and a refusal comes before the request
 * is decoded (a poisoned request is refused with the auth status, not a decoding error).
 */
class SecurityInterceptorTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String WHOAMI = "test.Auth/WhoAmI";
    private static final String ADMIN = "test.Admin/Reset";
    private static final String PUBLIC = "test.Public/Ping";
    private static final String SECURITY = """
            skein.security {
              enabled = on
              bearer.tokens = [
                { sha256 = "%s", principal = "ci", roles = [reader] }
                { token = "root-token", principal = "root", roles = [admin] }
                { token = "banned-token", principal = "mallory", roles = [admin] }
              ]
              mtls.roles { alice = [admin, reader] }
              authorization {
                default = deny
                rules = [
                  { methods = ["test.Auth/*"], roles = [reader, admin] }
                  { methods = ["test.Admin/*"], roles = [admin], deny-principals = [mallory] }
                  { methods = ["test.Public/Ping"], allow-anonymous = true }
                  { methods = ["test.Echo/*"] }
                ]
              }
            }
            """.formatted(BearerTokenAuthenticator.sha256("ci-token"));

    @TempDir
    static Path dir;
    private static ActorTestKit testKit;
    private static TestPki pki;
    private static RpcServer server;

    @BeforeAll
    static void start() {
        Config config = Servers.config(SECURITY);
        testKit = ActorTestKit.create("SecurityInterceptorTest", config);
        pki = TestPki.create(dir);
        TestServices.Unary who = (req, ctx) -> CompletableFuture.completedFuture(ctx.principal()
                .map(p -> p.name() + " " + new TreeSet<>(p.roles()) + " " + p.authenticator()).orElse("anonymous"));
        server = Await.result(RpcServer.start(testKit.system(), new InetSocketAddress("127.0.0.1", 0),
                TestServices.echo().unary(WHOAMI, who).unary(ADMIN, who).unary(PUBLIC, who).build(),
                ServerOptions.builder()
                        .tls(pki.serverSettings(pki.server("server"), TlsSettings.Mode.REQUIRED, TlsSettings.ClientAuth.OPTIONAL))
                        .interceptor(SecurityInterceptor.fromConfig(config))
                        .build()), LIMIT);
    }

    @AfterAll
    static void stop() {
        Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        testKit.shutdownTestKit();
    }

    private static EndpointChannel channel(String protocol, TlsSettings.Client tls) {
        return protocol.equals("grpc") ? EndpointChannel.grpc(testKit.system(), server.localAddress(), tls)
                : EndpointChannel.create(testKit.system(), server.localAddress(), tls);
    }

    private static String call(ClientChannel channel, String method, String request, CallOptions options) {
        return Await.result(channel.unary(TestServices.method(method, CallKind.UNARY), request, options), LIMIT);
    }

    private static StatusException refused(ClientChannel channel, String method, String request, CallOptions options) {
        Throwable t = Await.failure(channel.unary(TestServices.method(method, CallKind.UNARY), request, options), LIMIT);
        assertTrue(t instanceof StatusException, () -> "not a status: " + t);
        return (StatusException) t;
    }

    private static CallOptions bearer(String token) {
        return CallOptions.DEFAULT.withCredentials(CallCredentials.bearer(token));
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void aBearerTokenBecomesTheCallsPrincipal(String protocol) {
        try (EndpointChannel channel = channel(protocol, pki.clientSettings())) {
            assertEquals("ci [reader] bearer", call(channel, WHOAMI, "", bearer("ci-token")));
            assertEquals("root [admin] bearer", call(channel, ADMIN, "", bearer("root-token")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void aClientCertificateBecomesTheCallsPrincipalWithItsConfiguredRoles(String protocol) {
        try (EndpointChannel channel = channel(protocol, pki.clientSettings(pki.client("alice")))) {
            assertEquals("alice [admin, reader] mtls", call(channel, ADMIN, "", CallOptions.DEFAULT));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void aCallWithoutCredentialsIsRefusedUnauthenticatedBeforeItsRequestIsDecoded(String protocol) {
        try (EndpointChannel channel = channel(protocol, pki.clientSettings())) {
            StatusException e = refused(channel, WHOAMI, StringMarshaller.POISON, CallOptions.DEFAULT);
            assertEquals(StatusCode.UNAUTHENTICATED, e.status().code());
            assertEquals("test.Auth/WhoAmI requires authentication; the call carried no credentials", e.status().message());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void anUnknownOrMalformedTokenIsRefusedUnauthenticated(String protocol) {
        try (EndpointChannel channel = channel(protocol, pki.clientSettings())) {
            StatusException e = refused(channel, PUBLIC, "", bearer("guess"));
            assertEquals(StatusCode.UNAUTHENTICATED, e.status().code());
            assertEquals("invalid bearer token", e.status().message());
            StatusException malformed = refused(channel, PUBLIC, "", CallOptions.DEFAULT.withCredentials(
                    CallCredentials.metadata("authorization", "Basic dXNlcg==")));
            assertEquals(StatusCode.UNAUTHENTICATED, malformed.status().code());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void aPrincipalARuleDoesNotAllowIsRefusedPermissionDeniedBeforeDecoding(String protocol) {
        try (EndpointChannel channel = channel(protocol, pki.clientSettings())) {
            StatusException e = refused(channel, ADMIN, StringMarshaller.POISON, bearer("ci-token"));
            assertEquals(StatusCode.PERMISSION_DENIED, e.status().code());
            assertEquals("principal 'ci' may not call test.Admin/Reset", e.status().message());
            StatusException banned = refused(channel, ADMIN, "", bearer("banned-token"));
            assertEquals(StatusCode.PERMISSION_DENIED, banned.status().code());
            // A method no rule names falls to default = deny.
            StatusException unnamed = refused(channel, TestServices.ECHO.replace("Echo/", "Other/"), "", bearer("root-token"));
            assertEquals(StatusCode.UNIMPLEMENTED, unnamed.status().code(), "unknown methods stay UNIMPLEMENTED");
        }
    }

    @Test
    void anonymousCallsReachMethodsThatAllowThemAndAnyPrincipalReachesRulesWithoutLists() {
        try (EndpointChannel channel = channel("skein", pki.clientSettings())) {
            assertEquals("anonymous", call(channel, PUBLIC, "", CallOptions.DEFAULT));
            assertEquals("x", call(channel, TestServices.ECHO, "x", bearer("ci-token")));
            assertEquals(List.of("a-0", "a-1", "a-2"), Await.result(Source.single("a")
                    .via(channel.withCredentials(CallCredentials.bearer("ci-token")).stream(
                            TestServices.method(TestServices.EXPAND, CallKind.SERVER_STREAMING), CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system()), LIMIT));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void channelCredentialsApplyToEveryCallAndPerCallCredentialsWin(String protocol) {
        try (EndpointChannel endpoint = channel(protocol, pki.clientSettings())) {
            ClientChannel channel = endpoint.withCredentials(CallCredentials.bearer("ci-token"));
            assertEquals("ci [reader] bearer", call(channel, WHOAMI, "", CallOptions.DEFAULT));
            assertEquals("root [admin] bearer", call(channel, WHOAMI, "", bearer("root-token")));
            StatusException e = Await.result(Source.single("s")
                    .via(channel.stream(TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING), bearer("guess")))
                    .runWith(Sink.seq(), testKit.system())
                    .handle((ok, err) -> (StatusException) (err instanceof java.util.concurrent.CompletionException c
                            ? c.getCause() : err)), LIMIT);
            assertEquals(StatusCode.UNAUTHENTICATED, e.status().code());
        }
    }

    @Test
    void aConfigurationThatMakesNoSenseIsRefusedWithOneClearLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecurityInterceptor.fromConfig(
                Servers.config("skein.security { enabled = on, authorization.rules = [{ methods = [\"Say\"] }] }")));
        assertEquals("skein.security.authorization.rules: method pattern 'Say' is none of pkg.Svc/Method, pkg.Svc/* or *",
                e.getMessage());
        assertEquals(null, SecurityInterceptor.fromConfig(Servers.config("")), "off by default");
    }
}
