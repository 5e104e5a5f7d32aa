package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.connection.ConnectionActor;
import io.skein.transport.internal.connection.ServerChannels;
import io.skein.transport.internal.testing.AcceptedChannels;
import io.skein.testing.Await;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ConnectionActor} over a real accepted connection: a bare Netty server built with
 * {@link ServerChannels} (no server actor), so the test spawns and drives the connection actor itself.
 */
class ConnectionActorTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final String SLOW = "test.Conn/Slow";

    private static ActorTestKit testKit;
    private static Channel serverChannel;
    private static final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
    private static final BlockingQueue<CompletableFuture<String>> slowAnswers = new LinkedBlockingQueue<>();
    private static final BlockingQueue<CallContext> slowContexts = new LinkedBlockingQueue<>();

    private RawClient raw;
    private Connection connection;
    private ActorRef<ConnectionActor.Command> actor;
    private TestProbe<ConnectionActor.Info> infoProbe;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("ConnectionActorTest", Servers.config(""));
        MethodRegistry registry = TestServices.echo()
                .unary(SLOW, (req, ctx) -> {
                    CompletableFuture<String> answer = new CompletableFuture<>();
                    slowContexts.add(ctx);
                    slowAnswers.add(answer);
                    return answer;
                })
                .build();
        NettyResources resources = NettyResources.get(testKit.system());
        serverChannel = new ServerBootstrap()
                .group(resources.group())
                .channel(resources.serverChannelClass())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        AcceptedChannels.init(ch, registry, resources, accepted::add);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    @AfterAll
    static void stop() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void connect() {
        accepted.clear();
        slowAnswers.clear();
        slowContexts.clear();
        raw = RawClient.connect((InetSocketAddress) serverChannel.localAddress());
        // The connection exists once its protocol is known: after the first frame.
        raw.write(new SkeinFrame.UnaryRequest(1, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("hi")));
        assertEquals("hi", RawClient.text(raw.read(SkeinFrame.UnaryResponse.class, LIMIT)));
        connection = take(accepted);
        actor = testKit.spawn(ConnectionActor.create(connection));
        infoProbe = testKit.createTestProbe(ConnectionActor.Info.class);
    }

    @AfterEach
    void disconnect() {
        slowAnswers.forEach(a -> a.complete("cleanup"));
        raw.close();
        connection.channel().close().syncUninterruptibly();
    }

    private static <T> T take(BlockingQueue<T> queue) {
        try {
            T value = queue.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(value, "nothing within " + LIMIT);
            return value;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private ConnectionActor.Info info() {
        actor.tell(new ConnectionActor.GetInfo(infoProbe.ref()));
        return infoProbe.receiveMessage(LIMIT);
    }

    @Test
    void getInfoReportsPeerCallsAndDraining() {
        ConnectionActor.Info idle = info();
        assertEquals(raw.localAddress().getPort(), ((InetSocketAddress) idle.remote()).getPort());
        assertEquals(0, idle.activeCalls());
        assertFalse(idle.draining());

        raw.write(new SkeinFrame.UnaryRequest(3, SLOW, Metadata.EMPTY, 0, RawClient.utf8("slow")));
        CompletableFuture<String> answer = take(slowAnswers);
        Await.until(LIMIT, () -> info().activeCalls() == 1, () -> "one active call");

        answer.complete("done");
        SkeinFrame.UnaryResponse response = raw.read(SkeinFrame.UnaryResponse.class, LIMIT);
        assertEquals(3, response.streamId());
        assertEquals("done", RawClient.text(response));
        Await.until(LIMIT, () -> info().activeCalls() == 0, () -> "no active calls");
    }

    @Test
    void drainSendsGoAwayAndRepliesDoneOnceCallsFinish() {
        raw.write(new SkeinFrame.UnaryRequest(3, SLOW, Metadata.EMPTY, 0, RawClient.utf8("slow")));
        CompletableFuture<String> answer = take(slowAnswers);
        CallContext slowContext = take(slowContexts);
        Await.until(LIMIT, () -> info().activeCalls() == 1, () -> "one active call");

        TestProbe<Done> drained = testKit.createTestProbe(Done.class);
        TestProbe<Done> alsoDrained = testKit.createTestProbe(Done.class);
        actor.tell(new ConnectionActor.Drain(drained.ref()));
        actor.tell(new ConnectionActor.Drain(alsoDrained.ref())); // a second waiter, no second GOAWAY

        SkeinFrame.GoAway goAway = raw.read(SkeinFrame.GoAway.class, LIMIT);
        assertEquals(3, goAway.lastStreamId(), "GOAWAY names the last stream the server took");
        assertTrue(info().draining());

        // New calls are refused while draining; the call in flight goes on.
        raw.write(new SkeinFrame.UnaryRequest(5, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("late")));
        SkeinFrame.UnaryResponse refused = raw.read(SkeinFrame.UnaryResponse.class, LIMIT);
        assertEquals(5, refused.streamId());
        assertEquals(StatusCode.UNAVAILABLE, refused.status().code());
        drained.expectNoMessage(Duration.ofMillis(200));
        assertFalse(slowContext.isDone());

        answer.complete("finished");
        SkeinFrame.UnaryResponse response = raw.read(SkeinFrame.UnaryResponse.class, LIMIT);
        assertEquals(3, response.streamId());
        assertEquals("finished", RawClient.text(response));
        drained.expectMessage(LIMIT, Done.getInstance());
        alsoDrained.expectMessage(LIMIT, Done.getInstance());
        raw.assertClosedWithin(LIMIT);
        infoProbe.expectTerminated(actor, LIMIT);
    }

    @Test
    void drainOfAnIdleConnectionClosesItAtOnce() {
        TestProbe<Done> drained = testKit.createTestProbe(Done.class);
        actor.tell(new ConnectionActor.Drain(drained.ref()));
        assertEquals(0, raw.read(SkeinFrame.GoAway.class, LIMIT).streamId());
        drained.expectMessage(LIMIT, Done.getInstance());
        raw.assertClosedWithin(LIMIT);
        infoProbe.expectTerminated(actor, LIMIT);
    }

    @Test
    void stopsWhenThePeerClosesTheChannel() {
        raw.write(new SkeinFrame.UnaryRequest(3, SLOW, Metadata.EMPTY, 0, RawClient.utf8("slow")));
        CallContext slowContext = take(slowContexts);
        raw.close();
        infoProbe.expectTerminated(actor, LIMIT);
        assertEquals(StatusCode.UNAVAILABLE, Await.result(slowContext.termination(), LIMIT).code());
        assertTrue(connection.isClosed());
        assertEquals(0, connection.activeCalls());
    }

    @Test
    void closeCommandClosesTheChannelAndStops() {
        raw.write(new SkeinFrame.UnaryRequest(3, SLOW, Metadata.EMPTY, 0, RawClient.utf8("slow")));
        CallContext slowContext = take(slowContexts);
        actor.tell(new ConnectionActor.Close("test says so"));
        raw.assertClosedWithin(LIMIT);
        infoProbe.expectTerminated(actor, LIMIT);
        assertEquals(StatusCode.UNAVAILABLE, Await.result(slowContext.termination(), LIMIT).code());
    }
}
