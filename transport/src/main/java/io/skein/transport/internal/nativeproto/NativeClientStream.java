package io.skein.transport.internal.nativeproto;

import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.internal.call.ClientStream;

/** A call on the client end of a native connection to a Skein server. */
class NativeClientStream extends NativeCallWire implements ClientStream {

    NativeClientStream(NativeConnection connection, int streamId) {
        super(connection, streamId);
    }

    @Override
    public int initialSendCredits() {
        return 0; // the server grants request credits once it runs the call
    }

    @Override
    public void halfClose() {
        connection.write(new SkeinFrame.StreamHalfClose(streamId));
    }
}
