package io.skein.transport.internal.testing;

import io.skein.protocols.Status;
import io.skein.transport.CallAdmission;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link CallAdmission} that records what it is asked and released, and refuses every call with
 * a status while {@link #refuseWith} is set.
 */
public final class RecordingAdmission implements CallAdmission {

    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final List<Status> released = new CopyOnWriteArrayList<>();
    private volatile Status refusal;

    /** Refuse every call with {@code status} from now on; {@code null} admits again. */
    public void refuseWith(Status status) {
        this.refusal = status;
    }

    /** The methods offered so far, in order. */
    public List<String> asked() {
        return List.copyOf(asked);
    }

    /** The final statuses admitted calls were released with, in order. */
    public List<Status> released() {
        return List.copyOf(released);
    }

    @Override
    public Decision admit(String method, SocketAddress peer) {
        asked.add(method);
        Status refused = refusal;
        if (refused != null) {
            return Decision.refused(refused);
        }
        return new Decision() {
            @Override
            public Status refusal() {
                return null;
            }

            @Override
            public void release(Status status) {
                released.add(status);
            }
        };
    }
}
