package io.skein.protocols;

/** The four shapes of a call, as protobuf service methods declare them. */
public enum CallKind {
    UNARY(false, false),
    SERVER_STREAMING(false, true),
    CLIENT_STREAMING(true, false),
    BIDI_STREAMING(true, true);

    private final boolean clientStreams;
    private final boolean serverStreams;

    CallKind(boolean clientStreams, boolean serverStreams) {
        this.clientStreams = clientStreams;
        this.serverStreams = serverStreams;
    }

    public boolean clientStreams() {
        return clientStreams;
    }

    public boolean serverStreams() {
        return serverStreams;
    }

    public static CallKind of(boolean clientStreams, boolean serverStreams) {
        if (clientStreams) {
            return serverStreams ? BIDI_STREAMING : CLIENT_STREAMING;
        }
        return serverStreams ? SERVER_STREAMING : UNARY;
    }
}
