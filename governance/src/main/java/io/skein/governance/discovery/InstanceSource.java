package io.skein.governance.discovery;

import java.util.List;
import java.util.function.Consumer;

/**
 * The live instances of one service. Implementations publish immutable snapshots: {@link #snapshot()}
 * is a volatile read on the call path; listeners hear every new snapshot.
 */
public interface InstanceSource {

    /** The service's full name ({@code package.Service}). */
    String service();

    /** The current instances (immutable; empty when none are known yet). */
    List<Instance> snapshot();

    /**
     * Calls {@code listener} with the current snapshot and then with each new one, until the returned
     * handle is closed. Listeners run on the source's thread and must not block.
     */
    AutoCloseable subscribe(Consumer<List<Instance>> listener);
}
