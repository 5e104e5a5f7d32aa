package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.testing.Await;
import io.skein.transport.internal.connection.ConnectionActor;
import io.skein.transport.internal.connection.ServerActor;
import io.skein.transport.supervision.FailureInjection;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transport's infrastructure actors live under owners, are restarted when they throw (a test hook
 * makes them), keep serving from the state they had, and stop as a subtree when their channel or
 * server closes: a pool still hands out connections, a server still counts and drains its connections,
 * a connection actor still drains its connection, and no call hangs.
 */
class TransportSupervisionTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String SLOW = "test.Sup/Slow";
    private static final MethodDescriptor<String, String> ECHO = TestServices.method(TestServices.ECHO, CallKind.UNARY);
    private static final MethodDescriptor<String, String> SLOW_METHOD = TestServices.method(SLOW, CallKind.UNARY);

    private static ActorTestKit testKit;
    private static final BlockingQueue<CompletableFuture<String>> slowAnswers = new LinkedBlockingQueue<>();
    private final List<EndpointChannel> channels = new ArrayList<>();
    private RpcServer server;

    @BeforeAll
    static void startKit() {
        testKit = ActorTestKit.create("TransportSupervisionTest", Servers.config(""));
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @AfterEach
    void closeAll() {
        channels.forEach(EndpointChannel::close);
        if (server != null) {
            Await.result(server.shutdown(Duration.ofSeconds(1)), LIMIT);
        }
        slowAnswers.forEach(a -> a.complete("late"));
        slowAnswers.clear();
    }

    private RpcServer startServer() {
        server = Servers.start(testKit.system(), TestServices.echo()
                .unary(SLOW, (req, ctx) -> {
                    CompletableFuture<String> answer = new CompletableFuture<>();
                    slowAnswers.add(answer);
                    return answer;
                })
                .build());
        return server;
    }

    private EndpointChannel channel(InetSocketAddress address) {
        EndpointChannel channel = EndpointChannel.create(testKit.system(), address);
        channels.add(channel);
        return channel;
    }

    private static ActorRef<?> poolActor(EndpointChannel channel) {
        return Await.result(channel.pool().actorRef(), LIMIT);
    }

    private static String echo(EndpointChannel channel, String text) {
        return Await.result(channel.unary(ECHO, text, CallOptions.timeout(LIMIT)), LIMIT);
    }

    @Test
    void aPoolWhoseActorThrowsBeforeItsFirstConnectionStillConnectsAndAnswersTheWaitingCall() {
        EndpointChannel channel = channel(startServer().localAddress());
        // The crash comes first; the call's acquire waits (stashed) for the restarted actor.
        FailureInjection.inject(poolActor(channel), "pool crash before any connection");
        assertEquals("first", echo(channel, "first"));
    }

    @Test
    void aPoolWhoseActorThrowsKeepsItsConnectionsAndStillHandsThemOut() {
        EndpointChannel channel = channel(startServer().localAddress());
        assertEquals("before", echo(channel, "before"));
        int pool = testKit.system().settings().config().getInt("skein.client.connections-per-endpoint");
        // Round robin: calls reach every pooled connection (the server counts a connection once it spoke).
        Await.until(LIMIT, () -> "fill".equals(echo(channel, "fill")) && Servers.load(server).connections() == pool,
                () -> "the pool did not fill");
        int connections = Servers.load(server).connections();
        FailureInjection.inject(poolActor(channel), "pool crash with live connections");
        for (int i = 0; i < 20; i++) {
            assertEquals("after-" + i, echo(channel, "after-" + i));
        }
        assertEquals(connections, Servers.load(server).connections(), "the restarted pool reconnected nothing");
    }

    @Test
    void aPoolWhoseActorThrowsWhileACallWaitsForAConnectionDoesNotLeaveTheCallHanging() throws Exception {
        // Nothing listens yet: the call waits for its connection, which keeps failing; the pool crashes meanwhile.
        InetSocketAddress nowhere;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nowhere = new InetSocketAddress("127.0.0.1", probe.getLocalPort());
        }
        EndpointChannel channel = channel(nowhere);
        CompletionStage<String> call = channel.unary(ECHO, "x", CallOptions.timeout(Duration.ofSeconds(3)));
        FailureInjection.inject(poolActor(channel), "pool crash while a caller waits");
        // Refused at once (UNAVAILABLE), or at worst at its deadline: never a hang.
        Throwable failure = Await.failure(call, LIMIT);
        assertTrue(TestServices.codeOf(failure) == io.skein.protocols.StatusCode.UNAVAILABLE
                || TestServices.codeOf(failure) == io.skein.protocols.StatusCode.DEADLINE_EXCEEDED, failure::toString);
    }

    @Test
    void closingAChannelStopsItsPoolAndConnectionActorsAsOneSubtree() {
        EndpointChannel channel = channel(startServer().localAddress());
        assertEquals("x", echo(channel, "x"));
        TestProbe<Object> probe = testKit.createTestProbe();
        ActorRef<?> pool = poolActor(channel);
        Await.result(channel.closeAsync(), LIMIT);
        probe.expectTerminated(pool, LIMIT);
        assertTrue(channel.pool().owner().isTerminated(), "the channel's owner stopped with its subtree");
        assertEquals(List.of(), Await.result(channel.pool().owner().children(), LIMIT));
    }

    @Test
    void aServerWhoseActorThrowsStillCountsServesAndDrainsItsConnections() {
        startServer();
        EndpointChannel channel = channel(server.localAddress());
        assertEquals("x", echo(channel, "x"));
        int connections = Servers.load(server).connections();
        assertTrue(connections > 0);
        ActorRef<?> serverActor = Await.result(server.actor().ref(), LIMIT);
        FailureInjection.inject(serverActor, "server crash");
        assertEquals(connections, Servers.load(server).connections(), "the restarted server kept its connections");
        CompletableFuture<String> slow = channel.unary(SLOW_METHOD, "slow", CallOptions.timeout(LIMIT)).toCompletableFuture();
        CompletableFuture<String> answer = Await.result(CompletableFuture.supplyAsync(() -> {
            try {
                return slowAnswers.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }), LIMIT);
        // Shutdown drains: the call in flight finishes, then the server's subtree stops.
        CompletionStage<org.apache.pekko.Done> shutdown = server.shutdown(LIMIT);
        answer.complete("done");
        assertEquals("done", Await.result(slow, LIMIT));
        Await.result(shutdown, LIMIT);
        server = null;
        testKit.createTestProbe().expectTerminated(serverActor, LIMIT);
    }

    @Test
    void aConnectionActorThatThrowsStillDrainsItsConnectionAtShutdown() {
        startServer();
        EndpointChannel channel = channel(server.localAddress());
        assertEquals("x", echo(channel, "x"));
        ActorRef<ServerActor.Command> serverActor = Await.result(server.actor().ref(), LIMIT);
        List<ActorRef<ConnectionActor.Command>> connectionActors = Await.result(
                org.apache.pekko.actor.typed.javadsl.AskPattern.ask(serverActor, ServerActor.GetConnectionActors::new,
                        LIMIT, testKit.system().scheduler()), LIMIT);
        assertTrue(!connectionActors.isEmpty());
        connectionActors.forEach(c -> FailureInjection.inject(c, "connection actor crash"));
        assertEquals("y", echo(channel, "y"));
        CompletableFuture<String> slow = channel.unary(SLOW_METHOD, "slow", CallOptions.timeout(LIMIT)).toCompletableFuture();
        CompletableFuture<String> answer = Await.result(CompletableFuture.supplyAsync(() -> {
            try {
                return slowAnswers.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }), LIMIT);
        CompletionStage<org.apache.pekko.Done> shutdown = server.shutdown(LIMIT);
        answer.complete("drained");
        assertEquals("drained", Await.result(slow, LIMIT));
        Await.result(shutdown, LIMIT);
        server = null;
        connectionActors.forEach(c -> testKit.createTestProbe().expectTerminated(c, LIMIT));
    }
}
