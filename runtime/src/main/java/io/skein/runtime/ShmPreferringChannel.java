package io.skein.runtime;

import static java.util.Objects.requireNonNull;

import io.skein.transport.CallOptions;
import io.skein.transport.CallRefusals;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.javadsl.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance reached over shared memory with TCP behind it: calls go to {@code shm} until it refuses
 * one before any processing ({@link CallRefusals#refusedBeforeProcessing}: the session could not be made
 * — a full tmpfs, a server gone from its socket — or it was closing); that unary call is sent again
 * at once over {@code tcp}, and every call goes over TCP for {@code retryAfter}, after which shared
 * memory is tried again. Streams are not sent twice: a stream opened on a refusing shared-memory channel
 * fails, and later ones take TCP.
 *
 * <p>Threads: any. Ownership: owns both channels (the TCP one is opened on first use) and closes them.
 */
final class ShmPreferringChannel implements ClientChannel {

    private static final Logger log = LoggerFactory.getLogger(ShmPreferringChannel.class);

    private final ClientChannel shm;
    private final Supplier<ClientChannel> tcpFactory;
    private final long retryAfterNanos;
    private final String name;
    private volatile ClientChannel tcp;
    private volatile long tcpUntil;
    private volatile boolean onTcp;

    ShmPreferringChannel(String name, ClientChannel shm, Supplier<ClientChannel> tcp, Duration retryAfter) {
        this.name = requireNonNull(name, "name");
        this.shm = requireNonNull(shm, "shm");
        this.tcpFactory = requireNonNull(tcp, "tcp");
        this.retryAfterNanos = retryAfter.toNanos();
    }

    /** Whether calls go over TCP right now (shared memory refused a call less than retry-after ago). */
    boolean onTcp() {
        return onTcp && System.nanoTime() - tcpUntil < 0;
    }

    private synchronized ClientChannel tcp() {
        if (tcp == null) {
            tcp = tcpFactory.get();
        }
        return tcp;
    }

    private void shmRefused(Throwable failure) {
        if (!onTcp()) {
            log.warn("{}: shared memory refused a call ({}); using TCP for {} s", name,
                    io.skein.protocols.Status.fromThrowable(failure).message(), Duration.ofNanos(retryAfterNanos).toSeconds());
        }
        tcpUntil = System.nanoTime() + retryAfterNanos;
        onTcp = true;
    }

    @Override
    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                   ClientCallContext context) {
        if (onTcp()) {
            return tcp().unary(method, request, context);
        }
        CompletableFuture<Resp> result = new CompletableFuture<>();
        shm.unary(method, request, context).whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
            } else if (!context.isCancelled() && CallRefusals.refusedBeforeProcessing(failure)) {
                shmRefused(failure);
                tcp().unary(method, request, context).whenComplete((v, f) -> {
                    if (f == null) {
                        result.complete(v);
                    } else {
                        result.completeExceptionally(f);
                    }
                });
            } else {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        return Flow.<Req, Resp, NotUsed>lazyFlow(() -> {
            if (onTcp()) {
                return tcp().stream(method, options);
            }
            return shm.stream(method, options).mapError(new PFBuilder<Throwable, Throwable>()
                    .match(Throwable.class, CallRefusals::refusedBeforeProcessing, t -> {
                        shmRefused(t);
                        return t;
                    }).build());
        }).mapMaterializedValue(m -> NotUsed.getInstance());
    }

    @Override
    public CompletionStage<Done> closeAsync() {
        ClientChannel t;
        synchronized (this) {
            t = tcp;
        }
        CompletionStage<Done> closed = shm.closeAsync();
        return t == null ? closed : closed.thenCombine(t.closeAsync(), (a, b) -> Done.getInstance());
    }
}
