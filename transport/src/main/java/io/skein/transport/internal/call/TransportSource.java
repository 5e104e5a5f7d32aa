package io.skein.transport.internal.call;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.annotation.InternalApi;

/**
 * Where a client call gets a connection: a pool of {@link ClientTransport}s to one endpoint.
 * {@link #ready} is the hot path (a published snapshot, no mailbox hop); {@link #acquire} waits for a
 * connection to be made and may take long, so a call bounds it with its own deadline.
 */
@InternalApi
public interface TransportSource {

    /** A usable transport now, or {@code null} when none is (then {@link #acquire}). Any thread, never blocks. */
    ClientTransport ready();

    /** A usable transport once one is connected; fails with an UNAVAILABLE status when none can be made. */
    CompletionStage<ClientTransport> acquire();
}
