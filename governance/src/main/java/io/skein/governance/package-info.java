/**
 * Governance: the policies that stand between a caller and the endpoints it calls (timeouts, retry
 * and backup requests, circuit breakers, rate and concurrency limits, load balancers, fallback) and
 * the middleware chain that composes them. Each policy with state is a typed actor that publishes
 * its decisions as a snapshot the call path reads without a mailbox round trip.
 *
 * <p>Sub-packages: {@code discovery} (instances of a service and where they come from),
 * {@code balancer} (picking an instance per call), {@code breaker} (circuit breakers),
 * {@code retry} (failure retry, backup requests, retry budget), {@code timeout} (stream receive
 * timeout), {@code fallback}, {@code config} (client policies from HOCON), {@code chain} (client
 * middleware and the governed channel that composes the policies) and {@code supervision} (the owners
 * that parent and supervise the policy actors).
 * This module knows nothing of sockets or the cluster; the runtime feeds it instances.
 */
package io.skein.governance;
