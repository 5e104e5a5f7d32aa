package io.skein.transport.internal;

import static io.skein.transport.internal.testing.NativeWire.text;
import static io.skein.transport.internal.testing.NativeWire.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerMethodHandler;
import io.skein.transport.internal.testing.RecordingAdmission;
import io.skein.transport.internal.testing.TestThreadDispatcher;
import io.skein.transport.testing.TestServices;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the native server hands unary calls to a service that names its {@link ServerMethodHandler#executor()}
 * (an actor's dispatcher): the calls one read completes go to it as one task, when the read ends, in the
 * order they were read (see {@link NativeServerHarness}: each {@code send} is one read). The executor here
 * queues what it is given, and the test runs it.
 */
@ExtendWith(LeakDetectionExtension.class)
class UnaryHandOffTest {

    private static final String NAME = "UnaryHandOffTest";
    private static final String BATCHED = "test.HandOff/Echo";

    private static ActorTestKit testKit;
    private static TestThreadDispatcher.Tasks tasks;
    private static final List<Runnable> submitted = new ArrayList<>();
    private static final List<String> served = new ArrayList<>();
    private static MethodRegistry registry;

    private NativeServerHarness server;

    @BeforeAll
    static void startSystem() {
        tasks = TestThreadDispatcher.tasks(NAME);
        testKit = ActorTestKit.create(NAME, TestThreadDispatcher.config(NAME, ""));
        Executor queue = submitted::add;
        ServerMethodHandler<String, String> handler = new ServerMethodHandler<>() {
            @Override
            public CompletionStage<String> unary(String request, CallContext context) {
                served.add(request);
                return CompletableFuture.completedFuture(request);
            }

            @Override
            public Source<String, ?> streaming(Source<String, NotUsed> requests, CallContext context) {
                throw new UnsupportedOperationException("unary method");
            }

            @Override
            public Executor executor() {
                return queue;
            }
        };
        List<ServerMethod<?, ?>> methods = new ArrayList<>(TestServices.echo().build().methods());
        methods.add(new ServerMethod<>(TestServices.method(BATCHED, CallKind.UNARY), handler));
        registry = MethodRegistry.of(methods);
    }

    @AfterAll
    static void stopSystem() {
        tasks.handOff();
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void connect() {
        submitted.clear();
        served.clear();
        server = new NativeServerHarness(testKit, tasks, registry, new RecordingAdmission());
    }

    @AfterEach
    void disconnect() {
        runSubmitted();
        server.close();
    }

    private static SkeinFrame.UnaryRequest unary(int id, String text) {
        return new SkeinFrame.UnaryRequest(id, BATCHED, Metadata.EMPTY, 0, utf8(text));
    }

    private static void runSubmitted() {
        List<Runnable> now = new ArrayList<>(submitted);
        submitted.clear();
        now.forEach(Runnable::run);
    }

    @Test
    void unaryCallsReadTogetherReachTheirServiceAsOneTaskInTheOrderTheyWereRead() {
        server.send(unary(1, "a"), unary(3, "b"), unary(5, "c"));
        assertEquals(1, submitted.size(), "one task for the read");
        assertEquals(List.of(), served, "the service is called on its executor, not while the request is read");

        runSubmitted();
        assertEquals(List.of("a", "b", "c"), served);
        List<SkeinFrame> written = server.written();
        assertEquals(List.of(1, 3, 5), written.stream().map(SkeinFrame::streamId).toList());
        for (SkeinFrame f : written) {
            assertEquals(Status.OK, ((SkeinFrame.UnaryResponse) f).status());
        }
        assertEquals(List.of("a", "b", "c"), written.stream().map(f -> text((SkeinFrame.UnaryResponse) f)).toList());
    }

    @Test
    void unaryCallsOfSeparateReadsAreHandedOverSeparately() {
        server.send(unary(1, "a"));
        server.send(unary(3, "b"));
        assertEquals(2, submitted.size());
        runSubmitted();
        assertEquals(List.of("a", "b"), served);
        assertEquals(2, server.written().size());
    }

    @Test
    void aCallResetBeforeItsHandOverRanNeverReachesTheService() {
        server.send(unary(1, "cancelled"), new SkeinFrame.StreamReset(1, StatusCode.CANCELLED, "changed my mind"),
                unary(3, "kept"));
        runSubmitted();
        assertEquals(List.of("kept"), served, "the cancelled call was ended before its service saw it");
        List<SkeinFrame> written = server.written();
        assertEquals(List.of(3), written.stream().map(SkeinFrame::streamId).toList(), "no answer after a reset");
    }

    @Test
    void aMethodWithoutAnExecutorIsStillServedWhileItsRequestIsRead() {
        server.send(new SkeinFrame.UnaryRequest(1, TestServices.ECHO, Metadata.EMPTY, 0, utf8("inline")));
        assertEquals(List.of(), submitted);
        SkeinFrame.UnaryResponse response = server.next(SkeinFrame.UnaryResponse.class);
        assertEquals("inline", text(response));
    }
}
