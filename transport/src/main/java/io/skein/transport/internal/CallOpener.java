package io.skein.transport.internal;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import java.util.concurrent.CompletionStage;

/** How a client channel opens a streaming call on its wire (connecting first when it must). */
interface CallOpener {

    /**
     * Opens a stream whose inbound frames go to {@code inbound}; completes with its wire once the
     * open is on its way. {@code timeoutMillis} is 0 for no deadline; {@code window} is the initial
     * grant for responses.
     */
    CompletionStage<CallWire> open(String method, CallKind kind, Metadata metadata, long timeoutMillis, int window,
                                   WireStream inbound);
}
