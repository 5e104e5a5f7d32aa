/**
 * Limits as actors. Server side: {@link io.skein.governance.limit.ServerLimiter} is the transport's
 * {@link io.skein.transport.CallAdmission}, enforcing {@link io.skein.governance.limit.ServerLimits}
 * (max connections; per server and per method max concurrent calls, a QPS token bucket and an
 * {@linkplain io.skein.governance.limit.AdaptiveSettings adaptive concurrency limit}) before a request
 * is decoded. Client side: {@link io.skein.governance.limit.ClientConcurrencyLimit} is a
 * {@link io.skein.governance.chain.ClientMiddleware}. Every limiter is a
 * {@link io.skein.governance.limit.LimiterActor} that owns its settings, changes them at run time and
 * publishes what calls read, so no call waits on a mailbox.
 */
package io.skein.governance.limit;
