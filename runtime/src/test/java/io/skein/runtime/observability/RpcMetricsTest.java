package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.protocols.StatusCode;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Gauge;
import kamon.metric.Histogram;
import kamon.tag.TagSet;
import org.junit.jupiter.api.Test;

/** Per-thread counts reach Kamon's instruments through {@link RpcMetrics#flush}. */
class RpcMetricsTest {

    private static final String METHOD = "skein.test.Flushed/Call";

    private static TagSet tags(String method) {
        return TagSet.of("rpc.system", "skein").withTag("rpc.service", "skein.test.Flushed")
                .withTag("rpc.method", method.substring(method.indexOf('/') + 1));
    }

    @Test
    void callsCountedOnAnyThreadReachKamonAtTheFlushAndAnEndedThreadIsFlushedOnceThenForgotten() throws Exception {
        RpcMetrics metrics = new RpcMetrics();
        RpcMetrics.MethodMetrics m = metrics.server("skein", METHOD);
        Thread io = new Thread(() -> {
            MetricCells cells = metrics.cells(m);
            for (int i = 0; i < 3; i++) {
                cells.started();
            }
            cells.finished(StatusCode.OK, 2_000);
            cells.finished(StatusCode.UNAVAILABLE, 3_000);
        });
        io.start();
        io.join();
        metrics.cells(m).started();
        metrics.cells(m).finished(StatusCode.OK, 1_000);
        assertEquals(2, metrics.threads());

        metrics.flush();
        TagSet tags = tags(METHOD);
        Counter.LongAdder started = (Counter.LongAdder) Kamon.counter("rpc.server.calls.started").withTags(tags);
        Counter.LongAdder ok = (Counter.LongAdder) Kamon.counter("rpc.server.calls.finished")
                .withTags(tags.withTag("rpc.status_code", "OK"));
        Histogram.Atomic okDuration = (Histogram.Atomic) Kamon.histogram("rpc.server.duration")
                .withTags(tags.withTag("rpc.status_code", "OK"));
        Gauge.Volatile active = (Gauge.Volatile) Kamon.gauge("rpc.server.active_calls").withTags(tags);
        assertEquals(4, started.snapshot(true));
        assertEquals(2, ok.snapshot(true));
        assertEquals(2, okDuration.snapshot(true).count());
        assertEquals(1.0, active.snapshot(false), "four started, three finished");
        assertEquals(1, metrics.threads(), "the ended thread's cells were taken a last time and dropped");

        metrics.cells(m).finished(StatusCode.OK, 1_000);
        metrics.flush();
        assertEquals(0, started.snapshot(true), "a flush adds only what is new");
        assertEquals(1, ok.snapshot(true));
        assertEquals(0.0, active.snapshot(false));
    }
}
