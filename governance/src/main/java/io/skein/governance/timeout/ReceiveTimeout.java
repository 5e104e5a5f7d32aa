package io.skein.governance.timeout;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * The stream receive timeout: a stage for the response side of a stream call that fails the stream
 * with {@code DEADLINE_EXCEEDED} when the caller has asked for the next message and none arrives
 * within the timeout (Kitex users' recurring complaint is streams that hang forever). The clock only
 * runs while the caller is waiting: a consumer that is slow to pull is never timed out. Failing cancels
 * the call upstream, so the server sees the stream cancelled.
 */
public final class ReceiveTimeout {

    private ReceiveTimeout() {
    }

    /** A pass-through flow that enforces {@code timeout} between demanded messages. */
    public static <T> Flow<T, T, NotUsed> flow(Duration timeout) {
        requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("receive timeout must be positive: " + timeout);
        }
        return Flow.fromGraph(new Stage<T>(timeout));
    }

    private static final class Stage<T> extends GraphStage<FlowShape<T, T>> {
        private final Inlet<T> in = Inlet.create("ReceiveTimeout.in");
        private final Outlet<T> out = Outlet.create("ReceiveTimeout.out");
        private final FlowShape<T, T> shape = FlowShape.of(in, out);
        private final Duration timeout;

        Stage(Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        public FlowShape<T, T> shape() {
            return shape;
        }

        @Override
        public GraphStageLogic createLogic(Attributes inheritedAttributes) {
            return new TimerGraphStageLogic(shape) {
                {
                    setHandler(in, new AbstractInHandler() {
                        @Override
                        public void onPush() {
                            cancelTimer("receive");
                            push(out, grab(in));
                        }
                    });
                    setHandler(out, new AbstractOutHandler() {
                        @Override
                        public void onPull() {
                            scheduleOnce("receive", timeout);
                            pull(in);
                        }
                    });
                }

                @Override
                public void onTimer(Object key) {
                    failStage(Status.of(StatusCode.DEADLINE_EXCEEDED, "no stream message received within "
                            + timeout.toMillis() + " ms (receive-timeout)").asException());
                }
            };
        }
    }
}
