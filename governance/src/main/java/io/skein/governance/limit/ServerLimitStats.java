package io.skein.governance.limit;

import java.util.Map;

/**
 * A server limiter's state: connections and every scope's {@link LimiterStats}.
 *
 * @param connections        connections open now
 * @param maxConnections     the connection limit; 0 = unlimited
 * @param refusedConnections connections closed at accept because the limit was reached
 * @param server             the server-wide limiter
 * @param methods            the per-method limiters by full name
 */
public record ServerLimitStats(int connections, int maxConnections, long refusedConnections, LimiterStats server,
                               Map<String, LimiterStats> methods) {
}
