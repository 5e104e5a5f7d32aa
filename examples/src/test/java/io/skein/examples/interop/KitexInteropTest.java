package io.skein.examples.interop;

import static io.skein.examples.testing.Calls.assertFails;
import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.FunctionalService;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.Targets;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.echo.EchoService;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.kitex.KitexBizStatus;
import io.skein.runtime.SkeinNode;
import io.skein.transport.CallContext;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.ResponseMetadata;
import io.skein.transport.observe.TraceContext;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wire compatibility with CloudWeGo Kitex (Go) for unary calls over TTHeader + Kitex Protobuf, against
 * a real Kitex peer: {@code interop/kitex} ({@code kitex-echo}), built here with {@code go build}
 * ({@link KitexEchoPeer}: skipped without Go on a developer's machine, failing under CI). Run alone with
 * {@code mvn -B -pl examples -am verify -Dtest=KitexInteropTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class KitexInteropTest {

    /** The key prefix of request metadata that {@link #sayWithTrailers} sends back as trailers. */
    private static final String EXTRA_PREFIX = "x-extra-";

    private static SkeinNode skein;
    /** Serves a test Echo whose Say answers with trailers and fails, or crashes, on request. */
    private static SkeinNode skeinWithTrailers;
    private static KitexEchoPeer.Server kitexServer;
    private static String kitexAddress;
    private static ActorSystem<Void> clientSystem;
    private static UnaryMethod<EchoRequest, EchoReply> sayOnKitex;

    @BeforeAll
    static void start() throws Exception {
        KitexEchoPeer.build();

        skein = SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }"))
                .service(info -> EchoService.definition(info::nodeId))
                .start();
        skeinWithTrailers = SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }"))
                .service(FunctionalService.builder(EchoProto.getDescriptor().findServiceByName("Echo"))
                        .<EchoRequest, EchoReply>unary("Say", KitexInteropTest::sayWithTrailers)
                        .build())
                .start();

        kitexServer = KitexEchoPeer.server("kitex-server");
        kitexAddress = kitexServer.address();

        clientSystem = TestNodes.clientSystem("kitex-interop-client", "");
        ServiceClient client = ServiceClient.create(clientSystem,
                Targets.open(clientSystem, "kitex://" + kitexAddress),
                EchoProto.getDescriptor().findServiceByName("Echo"));
        sayOnKitex = client.unary("Say", EchoRequest.class, EchoReply.class);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (kitexServer != null) {
                kitexServer.close();
            }
        } finally {
            try {
                TestNodes.terminate(clientSystem);
            } finally {
                try {
                    TestNodes.close(skeinWithTrailers);
                } finally {
                    TestNodes.close(skein);
                }
            }
        }
    }

    /**
     * Say on {@link #skeinWithTrailers}: request metadata whose key starts with {@link #EXTRA_PREFIX}
     * comes back as response trailers; {@code fail_with} 1..16 fails the call with that status (the
     * request message as its message), {@code fail_with = -1} crashes the handler.
     */
    private static CompletionStage<EchoReply> sayWithTrailers(EchoRequest req, CallContext ctx) {
        Metadata.Builder trailers = Metadata.builder();
        ctx.metadata().transientValues().forEach((k, v) -> {
            if (k.startsWith(EXTRA_PREFIX)) {
                trailers.put(k, v);
            }
        });
        ctx.setResponseTrailers(trailers.build());
        if (req.getFailWith() == -1) {
            throw new IllegalStateException("handler crashed on purpose");
        }
        if (req.getFailWith() != 0) {
            return CompletableFuture.failedFuture(
                    Status.of(StatusCode.fromValue(req.getFailWith()), req.getMessage()).asException());
        }
        // "trace": answer with the server span the service sees and the traceparent that arrived.
        String message = !req.getMessage().equals("trace") ? req.getMessage()
                : ctx.trace().map(TraceContext::traceparent).orElse("none") + " from "
                        + ctx.metadata().get(TraceContext.TRACEPARENT);
        return CompletableFuture.completedFuture(EchoReply.newBuilder().setMessage(message)
                .setServedBy("skein-with-trailers").build());
    }

    // ---------------------------------------------------------------- Kitex client -> Skein server

    @Test
    void kitexClientCallsSkeinServer() {
        KitexEchoPeer.Result r = kitexClient("--message", "hello from kitex", "--payload", "p-1");
        assertEquals(0, r.exit(), r::describe);
        assertEquals("message=hello from kitex served_by=" + skein.nodeId() + " payload=p-1", r.firstLine(),
                r::describe);
    }

    @Test
    void kitexClientSeesAStatusEchoRaisedAsABusinessStatusErrorWithItsCodeAndMessage() {
        // Skein's Echo fails the call with NOT_FOUND (5), message = the request message: a Reply with
        // biz-status = 5, biz-message, which Kitex turns into kerrors.BizStatusError; no exception.
        KitexEchoPeer.Result r = kitexClient("--message", "no such echo", "--fail-with", "5");
        assertEquals(1, r.exit(), r::describe);
        assertEquals("ERROR biz error: code=5, msg=no such echo", r.firstLine(), r::describe);
        assertTrue(r.lines().contains("biz_status=5"), r::describe);
        assertTrue(r.lines().contains("biz_message=no such echo"), r::describe);
        assertTrue(r.lines().contains("biz_extra={}"), r::describe); // Echo sets no response metadata
        assertFalse(r.lines().stream().anyMatch(l -> l.startsWith("type_id=")), r::describe);
        assertTrue(r.lines().contains("backward skein-status=5"), r::describe);
    }

    @Test
    void kitexClientSeesTheTrailersOfAFailedSkeinCallAsBusinessStatusExtra() {
        String reason = "quota <exceeded> & \"more\" \\ é ✓ 😈";
        KitexEchoPeer.Result r = kitexClient(skeinWithTrailers, "--message", "precondition", "--fail-with", "9",
                "--metadata", EXTRA_PREFIX + "reason=" + reason, "--metadata", EXTRA_PREFIX + "limit=10",
                "--metadata", "not-extra=x");
        assertEquals(1, r.exit(), r::describe);
        assertEquals("ERROR biz error: code=9, msg=precondition", r.firstLine(), r::describe);
        assertTrue(r.lines().contains("biz_status=9"), r::describe);
        // The Go client prints BizExtra with encoding/json; the wire had Skein's biz-extra, parsed by Kitex.
        String json = r.lines().stream().filter(l -> l.startsWith("biz_extra=")).findFirst()
                .orElseThrow(() -> new AssertionError("no biz_extra line: " + r.describe()))
                .substring("biz_extra=".length());
        assertEquals(Map.of(EXTRA_PREFIX + "reason", reason, EXTRA_PREFIX + "limit", "10"),
                KitexBizStatus.extraFromJson(json), r::describe);
        // The same values also arrive as backward values, as before.
        assertTrue(r.lines().contains("backward " + EXTRA_PREFIX + "limit=10"), r::describe);
    }

    @Test
    void kitexClientSeesACrashedSkeinHandlerAsAnInternalErrorException() {
        KitexEchoPeer.Result r = kitexClient(skeinWithTrailers, "--message", "crash", "--fail-with", "-1");
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.lines().contains("type_id=6"), r::describe);
        assertFalse(r.lines().stream().anyMatch(l -> l.startsWith("biz_status=")), r::describe);
        assertTrue(r.lines().contains("backward skein-status=13"), r::describe);
    }

    @Test
    void kitexClientCallingAMethodSkeinDoesNotServeGetsAnUnknownMethodException() {
        KitexEchoPeer.Result r = kitexClient("--method", "Missing", "--message", "anyone?");
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.firstLine().startsWith("ERROR ") && r.firstLine().contains("Missing"), r::describe);
        assertTrue(r.lines().contains("type_id=1"), r::describe);
        assertFalse(r.lines().stream().anyMatch(l -> l.startsWith("biz_status=")), r::describe);
        assertTrue(r.lines().contains("backward skein-status=12"), r::describe);
    }

    @Test
    void kitexClientSendingARequestThatDoesNotParseGetsAProtocolErrorException() {
        KitexEchoPeer.Result r = kitexClient("--malformed", "--message", "ignored");
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.lines().contains("type_id=7"), r::describe);
        assertFalse(r.lines().stream().anyMatch(l -> l.startsWith("biz_status=")), r::describe);
        assertTrue(r.lines().contains("backward skein-status=3"), r::describe);
        // The Skein server serves on.
        assertEquals(0, kitexClient("--message", "after malformed").exit());
    }

    @Test
    void kitexClientCallsSkeinServerWithMetainfo() {
        // Echo ignores metadata; this checks that RPC_TRANSIT_ / RPC_PERSIST_ keys in the STRKV section
        // (and whatever else a Kitex client writes) do not disturb the call.
        KitexEchoPeer.Result r = kitexClient("--message", "with metainfo", "--metadata", "echo-key=v1",
                "--metadata", "other=x", "--persistent", "tenant=acme");
        assertEquals(0, r.exit(), r::describe);
        assertEquals("message=with metainfo served_by=" + skein.nodeId() + " payload=", r.firstLine(), r::describe);
    }

    @Test
    void kitexClientTraceparentInTransientMetainfoIsContinuedByTheSkeinServerSpan() {
        // What kitex-contrib/obs-opentelemetry's client middleware does: the propagator's keys go into
        // transient metainfo (metainfo.WithValue), which Kitex writes as TTHeader key RPC_TRANSIT_traceparent.
        String sent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        KitexEchoPeer.Result r = kitexClient(skeinWithTrailers, "--message", "trace", "--metadata", "traceparent=" + sent);
        assertEquals(0, r.exit(), r::describe);
        String line = r.firstLine();
        assertTrue(line.startsWith("message=") && line.contains(" from " + sent + " served_by="), r::describe);
        TraceContext server = TraceContext.parse(line.substring("message=".length(), line.indexOf(" from ")), null);
        TraceContext caller = TraceContext.parse(sent, null);
        assertEquals(caller.traceId(), server.traceId(), r::describe);
        assertNotEquals(caller.spanId(), server.spanId(), "the service runs in a server span of its own");
        assertTrue(server.sampled(), "the caller's sampling decision is kept");
    }

    @Test
    void kitexClientTimesOutOnSlowSkeinServer() {
        // Kitex sends RPCTimeout (INTKV 12) and gives up on its own after 300 ms.
        KitexEchoPeer.Result r = kitexClient("--message", "slow", "--delay-ms", "5000", "--timeout-ms", "300");
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.firstLine().startsWith("ERROR ") && r.firstLine().contains("timeout"), r::describe);
        // The Skein server stays usable for the next Kitex call.
        KitexEchoPeer.Result after = kitexClient("--message", "after timeout", "--timeout-ms", "5000");
        assertEquals(0, after.exit(), after::describe);
    }

    // ---------------------------------------------------------------- Skein client -> Kitex server

    @Test
    void skeinClientCallsKitexServer() {
        EchoReply reply = await(sayOnKitex.call(EchoRequest.newBuilder()
                .setMessage("hello from skein")
                .setPayload(ByteString.copyFromUtf8("payload-2"))
                .build()));
        assertEquals("hello from skein", reply.getMessage());
        assertEquals("payload-2", reply.getPayload().toStringUtf8());
        assertEquals("kitex", reply.getServedBy());
    }

    @Test
    void skeinClientSendsMetadataToKitexServer() {
        ResponseMetadata capture = new ResponseMetadata();
        EchoReply reply = await(sayOnKitex.call(EchoRequest.newBuilder().setMessage("md").build(),
                CallOptions.DEFAULT
                        .withMetadata(Metadata.builder().put("echo-key", "v1").build())
                        .withResponseMetadata(capture)));
        // Kitex's metainfo.GetValue saw the transient value (sent as RPC_TRANSIT_echo-key).
        assertEquals("md|transient:v1", reply.getMessage());
        assertEquals("kitex", reply.getServedBy());
        // The Kitex server's backward value (metainfo.SendBackwardValue) arrives as transient response
        // metadata.
        Metadata headers = await(capture.headers());
        Metadata trailers = await(capture.trailers());
        assertEquals("b1", trailers.get("kitex-backward") != null ? trailers.get("kitex-backward")
                : headers.get("kitex-backward"), () -> "headers " + headers + ", trailers " + trailers);
    }

    @Test
    void skeinClientSendsItsClientSpanAsTraceparentWhereKitexOpenTelemetryReadsIt() {
        // The node's own channels are observed (a plain client system's are not).
        TraceContext caller = new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true, "");
        EchoReply reply = await(skein.client("kitex://" + kitexAddress, EchoProto.getDescriptor()
                        .findServiceByName("Echo")).unary("Say", EchoRequest.class, EchoReply.class)
                .call(EchoRequest.newBuilder().setMessage("tp").build(), CallOptions.DEFAULT.withParentTrace(caller)));
        String prefix = "tp|traceparent:";
        assertTrue(reply.getMessage().startsWith(prefix), reply::getMessage);
        TraceContext received = TraceContext.parse(reply.getMessage().substring(prefix.length()), null);
        assertEquals(caller.traceId(), received.traceId(), reply::getMessage);
        assertNotEquals(caller.spanId(), received.spanId(), "the parent Kitex sees is Skein's client span");
        assertTrue(received.sampled(), reply::getMessage);
    }

    @Test
    void skeinClientSendsPersistentMetadataToKitexServer() {
        EchoReply reply = await(sayOnKitex.call(EchoRequest.newBuilder().setMessage("pmd").build(),
                CallOptions.DEFAULT.withMetadata(Metadata.builder().putPersistent("echo-key", "p1").build())));
        assertEquals("pmd|persistent:p1", reply.getMessage());
    }

    @Test
    void skeinClientSeesAKitexHandlerErrorAsInternal() {
        // A plain Go error from a Kitex handler travels as an Exception, ErrorProto TypeID 6 (internal
        // error), no skein-status: INTERNAL with the ErrorProto message, which Kitex words as
        // "biz error: <handler error>".
        StatusException e = assertFails(StatusCode.INTERNAL, sayOnKitex.call(EchoRequest.newBuilder()
                .setMessage("kitex says no")
                .setFailWith(5)
                .build(), CallOptions.DEFAULT.withMetadata(Metadata.builder().put("fail-as", "error").build())));
        assertEquals("biz error: kitex says no", e.status().message());
    }

    @Test
    void skeinClientSeesAKitexBusinessStatusErrorAsItsCanonicalCodeWithCodeMessageAndExtraInTheTrailers() {
        // The Kitex handler returns kerrors.NewBizStatusErrorWithExtra(5, message, extra-* metainfo).
        String note = "a \"quoted\" <note> & é ✓ 😈";
        ResponseMetadata capture = new ResponseMetadata();
        StatusException e = assertFails(StatusCode.NOT_FOUND, sayOnKitex.call(EchoRequest.newBuilder()
                .setMessage("no such user")
                .setFailWith(5)
                .build(), CallOptions.DEFAULT
                .withMetadata(Metadata.builder().put("extra-user", "u1").put("extra-note", note).build())
                .withResponseMetadata(capture)));
        assertEquals("no such user", e.status().message());
        Metadata trailers = await(capture.trailers());
        assertEquals("5", trailers.get("biz-status"), trailers::toString);
        assertEquals(new KitexBizStatus(5, "no such user", Map.of("user", "u1", "note", note)),
                KitexBizStatus.fromMetadata(trailers).orElseThrow(), trailers::toString);
    }

    @Test
    void skeinClientSeesAKitexBusinessCodeOutsideTheCanonicalRangeAsUnknownAndKeepsTheCode() {
        ResponseMetadata capture = new ResponseMetadata();
        StatusException e = assertFails(StatusCode.UNKNOWN, sayOnKitex.call(EchoRequest.newBuilder()
                .setMessage("over quota")
                .setFailWith(10001)
                .build(), CallOptions.DEFAULT.withResponseMetadata(capture)));
        assertEquals("over quota", e.status().message());
        Metadata trailers = await(capture.trailers());
        assertEquals(new KitexBizStatus(10001, "over quota", Map.of()),
                KitexBizStatus.fromMetadata(trailers).orElseThrow(), trailers::toString);
        // The connection serves on after a business error.
        assertEquals("after", await(sayOnKitex.call(EchoRequest.newBuilder().setMessage("after").build()))
                .getMessage());
    }

    @Test
    void skeinClientDeadlineAgainstSlowKitexServer() {
        // The Kitex server does not enforce RPCTimeout (no WithEnableContextTimeout), so only the Skein
        // client's timer ends the call: DEADLINE_EXCEEDED, on time. Its own channel: the StreamReset the
        // client then sends spoils its connection to a Kitex server (see the disabled test below).
        ClientChannel channel = Targets.open(clientSystem, "kitex://" + kitexAddress);
        try {
            UnaryMethod<EchoRequest, EchoReply> say = ServiceClient.create(clientSystem, channel,
                    EchoProto.getDescriptor().findServiceByName("Echo")).unary("Say", EchoRequest.class, EchoReply.class);
            await(say.call(EchoRequest.newBuilder().setMessage("warm up").build()));
            long start = System.nanoTime();
            assertFails(StatusCode.DEADLINE_EXCEEDED, say.call(
                    EchoRequest.newBuilder().setMessage("slow").setDelayMs(1500).build(),
                    CallOptions.timeout(Duration.ofMillis(300))), Duration.ofSeconds(10));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // Never early; how late on a busy machine is not an invariant (the status shows it fired before the reply).
            assertTrue(tookMillis >= 300, () -> "deadline fired after " + tookMillis + " ms");
        } finally {
            await(channel.closeAsync());
        }
    }

    @Test
    // A Kitex server takes any payload-less TTHeader frame for a corrupt request and closes the
    // connection, so a kitex:// channel never sends the StreamReset that cancels a unary call.
    void connectionToKitexSurvivesUnaryDeadlineAndCancel() {
        // One connection, so that the call after the deadline shares the connection the reset went on.
        ActorSystem<Void> system = TestNodes.clientSystem("kitex-interop-one-connection",
                "skein.client.connections-per-endpoint = 1");
        try {
            ClientChannel channel = Targets.open(system, "kitex://" + kitexAddress);
            UnaryMethod<EchoRequest, EchoReply> say = ServiceClient.create(system, channel,
                    EchoProto.getDescriptor().findServiceByName("Echo")).unary("Say", EchoRequest.class, EchoReply.class);
            await(say.call(EchoRequest.newBuilder().setMessage("warm up").build()));
            assertFails(StatusCode.DEADLINE_EXCEEDED, say.call(
                    EchoRequest.newBuilder().setMessage("slow").setDelayMs(1000).build(),
                    CallOptions.timeout(Duration.ofMillis(200))), Duration.ofSeconds(10));
            EchoReply reply = await(say.call(EchoRequest.newBuilder().setMessage("after deadline").build()));
            assertEquals("after deadline", reply.getMessage());
            var cancelled = say.call(EchoRequest.newBuilder().setMessage("slow").setDelayMs(1000).build())
                    .toCompletableFuture();
            assertTrue(cancelled.cancel(true));
            assertEquals("after cancel",
                    await(say.call(EchoRequest.newBuilder().setMessage("after cancel").build())).getMessage());
        } finally {
            TestNodes.terminate(system);
        }
    }

    @Test
    void streamingCallsToAKitexPeerFailUnimplementedWithoutTouchingTheConnection() {
        ClientChannel channel = Targets.open(clientSystem, "kitex://" + kitexAddress);
        try {
            ServiceClient echo = ServiceClient.create(clientSystem, channel, EchoProto.getDescriptor().findServiceByName("Echo"));
            var stream = echo.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                    .call(RepeatRequest.newBuilder().setCount(1).build())
                    .runWith(org.apache.pekko.stream.javadsl.Sink.seq(), clientSystem);
            assertFails(StatusCode.UNIMPLEMENTED, stream, Duration.ofSeconds(10));
            assertEquals("still fine", await(echo.unary("Say", EchoRequest.class, EchoReply.class)
                    .call(EchoRequest.newBuilder().setMessage("still fine").build())).getMessage());
        } finally {
            await(channel.closeAsync());
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Runs {@code kitex-echo client --addr <the Echo node> args...} to completion (bounded). */
    private static KitexEchoPeer.Result kitexClient(String... args) {
        return kitexClient(skein, args);
    }

    /** Runs {@code kitex-echo client --addr <node> args...} to completion (bounded). */
    private static KitexEchoPeer.Result kitexClient(SkeinNode node, String... args) {
        return KitexEchoPeer.client("127.0.0.1:" + node.address().getPort(), args);
    }
}
