package io.skein.runtime.observability;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs calls a server refuses (over a limit, unknown method, draining) at WARN without flooding: per
 * status code at most one line per interval, which says how many were refused since the previous line
 * and shows the latest one. Thread-safe and lock-free; a refusal that is not logged costs two atomic
 * operations.
 */
final class RefusalLog {

    private static final Logger log = LoggerFactory.getLogger("skein.refusals");

    private final long intervalNanos;
    private final AtomicLongArray lastLogged = new AtomicLongArray(StatusCode.values().length);
    private final AtomicLong[] suppressed = new AtomicLong[StatusCode.values().length];

    RefusalLog(Duration interval) {
        this.intervalNanos = interval.toNanos();
        for (int i = 0; i < suppressed.length; i++) {
            suppressed[i] = new AtomicLong();
            lastLogged.set(i, System.nanoTime() - intervalNanos - 1);
        }
    }

    /** A call of {@code method} from {@code peer} over {@code protocol} was refused with {@code status}. */
    void refused(String method, String protocol, Status status, SocketAddress peer) {
        int i = status.code().ordinal();
        long now = System.nanoTime();
        long last = lastLogged.get(i);
        if (now - last < intervalNanos || !lastLogged.compareAndSet(i, last, now)) {
            suppressed[i].incrementAndGet();
            return;
        }
        long before = suppressed[i].getAndSet(0);
        String from = RpcProbe.hostPort(peer);
        if (before == 0) {
            log.warn("refused {} call {} from {}: {} {}", protocol, method, from, status.code(), status.message());
        } else {
            log.warn("refused {} call {} from {}: {} {} ({} more refused with {} in the last {} s)", protocol, method,
                    from, status.code(), status.message(), before, status.code(), Duration.ofNanos(intervalNanos)
                            .toSeconds());
        }
    }
}
