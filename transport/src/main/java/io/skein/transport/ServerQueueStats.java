package io.skein.transport;

import java.util.List;

/**
 * What the bounded queues inside a server hold and have refused ({@code skein.transport.server-queues}),
 * read without stopping the server: {@link RpcServer#queues()}. Counters are read one after the other, so
 * under load they agree to within the calls of that instant.
 *
 * @param services   per service: the calls admitted and waiting for it to start them
 * @param writeQueue answer bytes a connection had queued and not yet written, as seen by new calls
 * @param eventLoop  tasks waiting on a connection's I/O thread, as seen by new calls
 */
public record ServerQueueStats(List<Service> services, Bounded writeQueue, Bounded eventLoop) {

    /**
     * The calls waiting for one service.
     *
     * @param service {@code package.Service}
     * @param queued  calls admitted and not yet started by the service now
     * @param peak    the most at once since the server started (never above {@code bound})
     * @param bound   the most allowed
     * @param refused calls refused because {@code bound} calls were waiting
     */
    public record Service(String service, int queued, int peak, int bound, long refused) {
    }

    /**
     * A per-connection or per-I/O-thread queue.
     *
     * @param peak    the largest size a new call found
     * @param bound   above it new calls are refused
     * @param refused calls refused for it
     */
    public record Bounded(long peak, long bound, long refused) {
    }

    /** The queue of {@code service}, or {@code null} if the server does not serve it. */
    public Service service(String service) {
        return services.stream().filter(s -> s.service().equals(service)).findFirst().orElse(null);
    }

    /** Calls refused by any of these bounds. */
    public long refused() {
        return services.stream().mapToLong(Service::refused).sum() + writeQueue.refused() + eventLoop.refused();
    }
}
