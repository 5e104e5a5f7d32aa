package io.skein.transport;

import io.skein.protocols.Status;
import java.net.SocketAddress;

/** The default: everything admitted, nothing counted. */
final class UnlimitedAdmission implements CallAdmission {

    static final CallAdmission INSTANCE = new UnlimitedAdmission();

    static final CallAdmission.Decision ADMITTED = new CallAdmission.Decision() {
        @Override
        public Status refusal() {
            return null;
        }

        @Override
        public void release(Status status) {
        }

        @Override
        public String toString() {
            return "admitted";
        }
    };

    private UnlimitedAdmission() {
    }

    @Override
    public CallAdmission.Decision admit(String method, SocketAddress peer) {
        return ADMITTED;
    }

    @Override
    public String toString() {
        return "CallAdmission.unlimited()";
    }
}
