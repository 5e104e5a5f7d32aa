package io.skein.transport.internal.call;

import org.apache.pekko.annotation.InternalApi;

/** The outbound side of a call on a client: requests, half-close, reset, grants for responses. */
@InternalApi
public interface ClientStream extends CallWire {

    /** No more requests. */
    void halfClose();
}
