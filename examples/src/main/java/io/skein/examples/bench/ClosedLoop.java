package io.skein.examples.bench;

import io.skein.actors.client.BidiStreamingMethod;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallOptions;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Closed-loop load: {@code concurrency} workers, each with exactly one call in flight, issuing the next
 * call when the previous one completes. Unary workers chain calls on their completions; a Chat worker
 * keeps one long-lived bidi stream and ping-pongs one message at a time over it (a failed stream is
 * counted and reopened). Latency counts from when each call was sent.
 *
 * <p>Nothing here blocks a Netty event loop or an actor thread; {@link #awaitIdle} blocks its caller only,
 * and only for as long as it is told.
 */
final class ClosedLoop {

    private final Supplier<EchoRequest> requests;
    private final CallRecords records;
    private final Duration timeout;
    private final CountDownLatch finished;
    private volatile boolean running = true;

    ClosedLoop(Supplier<EchoRequest> requests, CallRecords records, Duration timeout, int concurrency) {
        this.requests = requests;
        this.records = records;
        this.timeout = timeout;
        this.finished = new CountDownLatch(concurrency);
    }

    /** Starts {@code concurrency} unary workers. */
    void startUnary(UnaryMethod<EchoRequest, EchoReply> say, CallOptions options, int concurrency) {
        for (int i = 0; i < concurrency; i++) {
            new UnaryWorker(say, options).next();
        }
    }

    /** Starts {@code concurrency} Chat workers, one stream each. */
    void startChat(ActorSystem<?> system, BidiStreamingMethod<EchoRequest, EchoReply> chat, int concurrency) {
        Materializer materializer = Materializer.matFromSystem(system);
        for (int i = 0; i < concurrency; i++) {
            new ChatWorker(system, materializer, chat).open();
        }
    }

    /** Workers send nothing more once their call in flight ends. */
    void stop() {
        running = false;
    }

    /** Waits up to {@code limit} for every worker to finish; true if they did. */
    boolean awaitIdle(Duration limit) {
        try {
            return finished.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One unary caller: the next call starts when the previous one completes. */
    private final class UnaryWorker {
        private final UnaryMethod<EchoRequest, EchoReply> say;
        private final CallOptions options;

        UnaryWorker(UnaryMethod<EchoRequest, EchoReply> say, CallOptions options) {
            this.say = say;
            this.options = options;
        }

        /** Issues calls until one is still in flight; loops instead of recursing on calls that complete at once. */
        void next() {
            while (running) {
                long start = System.nanoTime();
                CompletableFuture<EchoReply> call;
                try {
                    call = say.call(requests.get(), options).toCompletableFuture();
                } catch (RuntimeException e) {
                    call = CompletableFuture.failedFuture(e);
                }
                if (!call.isDone()) {
                    call.whenComplete((reply, failure) -> {
                        complete(start, failure);
                        next();
                    });
                    return;
                }
                Throwable failure = null;
                try {
                    call.join(); // already done: returns at once
                } catch (CompletionException | CancellationException e) {
                    failure = e;
                }
                complete(start, failure);
            }
            finished.countDown();
        }

        private void complete(long start, Throwable failure) {
            if (failure == null) {
                records.ok(start);
            } else {
                records.failed(start, failure);
            }
        }
    }

    /**
     * One bidi stream, ping-pong: a request is offered to the stream's queue, and the next one only from
     * the reply sink once the reply arrived. A stream that fails (or ends with a message unanswered) is
     * counted and reopened while the run lasts.
     */
    private final class ChatWorker {
        private final ActorSystem<?> system;
        private final Materializer materializer;
        private final BidiStreamingMethod<EchoRequest, EchoReply> chat;
        private final AtomicBoolean done = new AtomicBoolean();
        // Written by whoever sends (opener or reply sink), read by the reply sink, the stream's completion
        // and the timeout timer: one message in flight, so the writes never race.
        private volatile BoundedSourceQueue<EchoRequest> queue;
        private volatile UniqueKillSwitch killSwitch;
        private volatile long sentAt;
        private volatile long sequence;
        private volatile boolean inFlight;
        private volatile Cancellable timer;

        ChatWorker(ActorSystem<?> system, Materializer materializer, BidiStreamingMethod<EchoRequest, EchoReply> chat) {
            this.system = system;
            this.materializer = materializer;
            this.chat = chat;
        }

        void open() {
            if (!running) {
                finish();
                return;
            }
            Pair<Pair<BoundedSourceQueue<EchoRequest>, UniqueKillSwitch>, CompletionStage<Done>> m;
            try {
                m = Source.<EchoRequest>queue(1)
                        .via(chat.call())
                        .viaMat(KillSwitches.single(), Keep.both())
                        .toMat(Sink.foreach(this::onReply), Keep.both())
                        .run(materializer);
            } catch (RuntimeException e) {
                // Only when the client system is going away: count it and stop this worker.
                records.failed(System.nanoTime(), e);
                finish();
                return;
            }
            queue = m.first().first();
            killSwitch = m.first().second();
            m.second().whenComplete((d, failure) -> onStreamEnd(failure));
            send();
        }

        private void send() {
            EchoRequest request;
            try {
                request = requests.get();
            } catch (RuntimeException e) {
                killSwitch.abort(e);
                return;
            }
            long seq = ++sequence;
            sentAt = System.nanoTime();
            inFlight = true;
            if (timeout != null) {
                UniqueKillSwitch ks = killSwitch;
                timer = system.scheduler().scheduleOnce(timeout, () -> {
                    if (inFlight && sequence == seq) {
                        ks.abort(new StatusException(StatusCode.DEADLINE_EXCEEDED,
                                "no reply within " + timeout.toMillis() + " ms"));
                    }
                }, system.executionContext());
            }
            queue.offer(request); // never full: one message in flight; a closed queue shows as the stream's end
        }

        private void onReply(EchoReply reply) {
            cancelTimer();
            inFlight = false;
            records.ok(sentAt);
            if (running) {
                send();
            } else {
                queue.complete();
            }
        }

        private void onStreamEnd(Throwable failure) {
            cancelTimer();
            if (failure != null) {
                records.failed(sentAt, failure);
            } else if (inFlight) {
                records.failed(sentAt, new StatusException(StatusCode.UNKNOWN, "stream ended without a reply"));
            }
            inFlight = false;
            if (running) {
                open();
            } else {
                finish();
            }
        }

        private void cancelTimer() {
            Cancellable t = timer;
            if (t != null) {
                t.cancel();
            }
        }

        private void finish() {
            if (done.compareAndSet(false, true)) {
                finished.countDown();
            }
        }
    }
}
