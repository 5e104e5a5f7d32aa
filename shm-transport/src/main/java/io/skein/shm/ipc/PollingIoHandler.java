package io.skein.shm.ipc;

import static java.util.Objects.requireNonNull;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An event loop's I/O handler that, besides the sockets of the handler it wraps (epoll), polls the
 * receive queues of the Shmipc sessions that were recently active on this loop, so that data crossing
 * shared memory right after other data needs neither a wake-up event on the socket nor a thread
 * wake-up on either side.
 *
 * <p><b>How.</b> A session that sent or received data {@linkplain #poll(ShmipcSession) asks to be
 * polled}: it keeps its receive queue's working flag set (so the peer, seeing it set, skips the
 * Polling event — shmipc's batching by the working flag, unchanged on the wire) and this handler
 * drains that queue on every iteration of the event loop. While any session is polled the wrapped
 * handler is run without blocking (epoll with a zero timeout), so the loop keeps serving its sockets
 * and tasks in between; between iterations that found nothing it spins for {@code busySpinNanos}
 * after the last data, then yields its CPU ({@link Thread#yield()}) so that the threads the data is for
 * (the service's actor, the caller) can run on the same core. A session stops being polled when its
 * {@linkplain ShmipcConfig#pollWindow() poll window} since its last data has passed: it clears the flag
 * (re-checking the queue, as shmipc-go's {@code handlePolling} does) and the loop blocks in epoll again
 * once no session is polled, so an idle session costs nothing.
 *
 * <p><b>Contention.</b> Polling pays only while the loop has its CPU. An idle poll that took longer than
 * {@link Settings#stall()} means another thread or process ran meanwhile; a loop that keeps the CPU busy
 * waits for its turn behind them, while one that blocks is woken promptly. When such stalls add up to
 * {@link Settings#stalledPercent()} of {@link Settings#backOff()} within that period, the loop gives polling
 * up for that long: its sessions clear their flags and are woken by the socket, exactly as without polling.
 *
 * <p>Threads: everything runs on the handler's event loop thread, which {@link #current()} finds it
 * from. Invariant: a session is in {@link #polled} exactly while its receive queue's working flag is
 * held by this side for polling.
 */
public final class PollingIoHandler implements IoHandler {

    private static final ThreadLocal<PollingIoHandler> CURRENT = new ThreadLocal<>();

    private final IoHandler delegate;
    private final long busySpinNanos;
    private final long stallNanos;
    private final long stallBudgetNanos;
    private final long backOffNanos;
    private final List<ShmipcSession> polled = new ArrayList<>();
    private final NonBlocking nonBlocking = new NonBlocking();
    private long lastData;
    private long iterations;
    private long backOffs;
    private long suspendedUntil;
    private boolean suspended;
    private long stalledNanos;
    private long periodStart;

    private PollingIoHandler(IoHandler delegate, Settings settings) {
        this.delegate = requireNonNull(delegate, "delegate");
        this.busySpinNanos = settings.busySpin().toNanos();
        this.stallNanos = settings.stall().toNanos();
        this.backOffNanos = settings.backOff().toNanos();
        this.stallBudgetNanos = backOffNanos * settings.stalledPercent() / 100;
    }

    /**
     * How a polling loop waits between polls and when it gives polling up.
     *
     * @param busySpin     how long after the last data the loop spins ({@link Thread#onSpinWait()}) between
     *                     polls that found nothing, before it yields its CPU between them instead
     * @param stall          an idle poll (nothing found, nothing to do) that took longer than this stalled:
     *                       the loop lost its CPU to another thread or process meanwhile
     * @param stalledPercent when stalls add up to this share of {@code backOff} within {@code backOff}, the
     *                       core is too contended for polling, which then only makes the peer's data wait
     *                       for this loop's next turn
     * @param backOff        the period stalls are added up over, and how long polling then stays off on this
     *                       loop (its sessions are woken over the socket meanwhile)
     */
    public record Settings(Duration busySpin, Duration stall, int stalledPercent, Duration backOff) {
        public Settings {
            requireNonNull(busySpin, "busySpin");
            requireNonNull(stall, "stall");
            requireNonNull(backOff, "backOff");
            if (busySpin.isNegative() || stall.isNegative() || backOff.isNegative()) {
                throw new IllegalArgumentException("polling durations must not be negative: " + this);
            }
            if (stalledPercent < 0 || stalledPercent > 100) {
                throw new IllegalArgumentException("the stalled share must be 0 to 100 percent: " + stalledPercent);
            }
        }

        /** {@code skein.shm.polling}'s defaults. */
        public static Settings defaults() {
            return new Settings(Duration.ZERO, Duration.ofMillis(1), 50, Duration.ofMillis(100));
        }
    }

    /** Handlers wrapping those of {@code delegate} (epoll: Shmipc's control connections are Unix sockets). */
    public static IoHandlerFactory factory(IoHandlerFactory delegate, Settings settings) {
        requireNonNull(delegate, "delegate");
        requireNonNull(settings, "settings");
        return executor -> new PollingIoHandler(delegate.newHandler(executor), settings);
    }

    /** The polling handler of the calling event loop thread, or null when the loop does not poll. */
    public static PollingIoHandler current() {
        return CURRENT.get();
    }

    /** Sessions polled right now (event loop thread; tests read it there). */
    public int polledSessions() {
        return polled.size();
    }

    /** Loop iterations spent polling so far (event loop thread). */
    public long pollingIterations() {
        return iterations;
    }

    /** Times this loop gave polling up because it lost its CPU while polling (event loop thread). */
    public long backOffs() {
        return backOffs;
    }

    /**
     * Whether polling is off on this loop right now ({@link Settings#backOff()} after it lost its CPU):
     * sessions neither start polling nor keep polling meanwhile (event loop thread).
     */
    boolean suspended(long now) {
        if (suspended && now - suspendedUntil >= 0) {
            suspended = false;
        }
        return suspended;
    }

    /** Starts polling {@code session} (event loop thread); the session has set its working flag. */
    void poll(ShmipcSession session) {
        polled.add(session);
    }

    /** The session saw data: the loop spins rather than yields for {@code busySpinNanos} from now. */
    void sawData(long now) {
        lastData = now;
    }

    @Override
    public void initialize() {
        CURRENT.set(this);
        delegate.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        if (polled.isEmpty()) {
            return delegate.run(context);
        }
        iterations++;
        long now = System.nanoTime();
        int work = 0;
        for (int i = polled.size() - 1; i >= 0; i--) {
            ShmipcSession s = polled.get(i);
            int n = s.pollQueue(now);
            if (n < 0) {
                polled.remove(i);
            } else {
                work += n;
            }
        }
        if (polled.isEmpty()) {
            return work + delegate.run(context);
        }
        nonBlocking.context = context;
        int io = delegate.run(nonBlocking);
        if (work == 0 && io == 0) {
            if (now - lastData < busySpinNanos) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            long after = System.nanoTime();
            if (after - now > stallNanos && !suspended) {
                stalled(now, after);
            }
        }
        return work + io;
    }

    /**
     * An idle poll from {@code start} to {@code end} lost the CPU; when such stalls add up to the stalled share
     * of the back-off period within it, polling goes off for that period.
     */
    private void stalled(long start, long end) {
        if (stalledNanos == 0 || end - periodStart > backOffNanos) {
            stalledNanos = 0;
            periodStart = start;
        }
        stalledNanos += end - start;
        if (stalledNanos >= stallBudgetNanos) {
            stalledNanos = 0;
            backOffs++;
            suspended = true;
            suspendedUntil = end + backOffNanos;
        }
    }

    @Override
    public void prepareToDestroy() {
        delegate.prepareToDestroy();
    }

    @Override
    public void destroy() {
        polled.clear();
        CURRENT.remove();
        delegate.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return delegate.register(handle);
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return delegate.isCompatible(handleType);
    }

    /** The loop's context, except that the wrapped handler must not block: sessions are being polled. */
    private static final class NonBlocking implements IoHandlerContext {
        IoHandlerContext context;

        @Override
        public boolean canBlock() {
            return false;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return context.delayNanos(currentTimeNanos);
        }

        @Override
        public long deadlineNanos() {
            return context.deadlineNanos();
        }

        @Override
        public void reportActiveIoTime(long activeNanos) {
            context.reportActiveIoTime(activeNanos);
        }

        @Override
        public boolean shouldReportActiveIoTime() {
            return context.shouldReportActiveIoTime();
        }
    }
}
