package io.skein.transport;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The server side of one method, as the transport drives it. The {@code actors} module implements
 * this by sending each call to a typed actor.
 *
 * <p>Unary calls take the fast path through {@link #unary}; the three streaming kinds go through
 * {@link #streaming}, where the request source carries exactly one element for server streaming.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public interface ServerMethodHandler<Req, Resp> {

    /** Serves a unary call. A failed stage ends the call with the failure's status. */
    CompletionStage<Resp> unary(Req request, CallContext context);

    /**
     * Serves a streaming call: the returned source is the response stream; its completion ends the
     * call with {@code OK}, its failure with the failure's status. Demand on {@code requests} becomes
     * credits granted to the client; the response source is pulled only as the client grants credits.
     */
    Source<Resp, ?> streaming(Source<Req, NotUsed> requests, CallContext context);

    /**
     * Whether this handler marks each call {@linkplain CallContext#markStarted started} itself when its
     * service begins it (an actor handler does, as the actor takes the call from its mailbox), so the wait
     * before that counts as the call's queueing delay in the node. When false (the default) the transport
     * marks a call started as it hands it to {@link #unary} or {@link #streaming}.
     */
    default boolean marksStart() {
        return false;
    }

    /**
     * Where this handler's service runs (an actor handler: its actor's dispatcher), or {@code null} (the
     * default) for a handler that hands calls over itself. With an executor, a transport that reads several
     * unary requests at once may call {@link #unary} for all of them in one task on it, so that the
     * service's thread is woken once per batch rather than per call; {@link #unary} must then be callable
     * from that executor's threads.
     */
    default Executor executor() {
        return null;
    }
}
