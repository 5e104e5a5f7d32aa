/**
 * Observability of a node with Kamon (no agent): the Kamon implementation of the transport's
 * {@link io.skein.transport.observe.CallObserver} (RPC metrics after OpenTelemetry's RPC conventions,
 * server, client and attempt spans with W3C Trace Context propagation, the access log and rate-limited
 * refusal logs), governance and cluster gauges, and the node's HTTP endpoint ({@code /metrics} for
 * Prometheus, {@code /health}). Configured under {@code skein.observability}; see
 * {@code docs/observability.md}.
 */
package io.skein.runtime.observability;
