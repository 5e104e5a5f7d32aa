package io.skein.runtime.observability;

import io.skein.protocols.Status;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional access log: one {@code key=value} line per call at INFO on the logger {@code skein.access},
 * for a sampled share of calls and for every call at least as slow as the threshold. Thread-safe and
 * stateless beyond its settings; a call that is not logged costs a random draw.
 */
final class AccessLog {

    static final Logger LOG = LoggerFactory.getLogger("skein.access");

    private final double sampleRate;
    private final long slowNanos;

    AccessLog(double sampleRate, Duration slow) {
        this.sampleRate = sampleRate;
        this.slowNanos = slow.toNanos();
    }

    void ended(RpcProbe probe, Status status, long nanos, SocketAddress peer) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        boolean slow = slowNanos > 0 && nanos >= slowNanos;
        if (!slow && (sampleRate <= 0 || sampleRate < 1 && ThreadLocalRandom.current().nextDouble() >= sampleRate)) {
            return;
        }
        boolean server = probe.role == RpcProbe.Role.SERVER;
        long requestBytes = server ? probe.receivedBytes() : probe.sentBytes();
        long responseBytes = server ? probe.sentBytes() : probe.receivedBytes();
        LOG.info("start={} side={} protocol={} peer={} method={} status={} duration_ms={} request_bytes={}"
                        + " response_bytes={} trace_id={} span_id={}{}",
                Instant.ofEpochMilli(System.currentTimeMillis() - nanos / 1_000_000), server ? "server" : "client",
                probe.protocol == null ? "-" : probe.protocol, RpcProbe.hostPort(peer), probe.method,
                status.code().name(), String.format(Locale.ROOT, "%.3f", nanos / 1e6), requestBytes, responseBytes,
                probe.trace == null ? "-" : probe.trace.traceId(), probe.trace == null ? "-" : probe.trace.spanId(),
                slow ? " slow=true" : "");
    }
}
