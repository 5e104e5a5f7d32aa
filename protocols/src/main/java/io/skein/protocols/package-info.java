/**
 * The protocol-neutral model every wire format maps onto: {@link io.skein.protocols.Status} with gRPC's canonical {@link io.skein.protocols.StatusCode}s, per-call {@link io.skein.protocols.Metadata} and {@link io.skein.protocols.CallKind}.
 */
package io.skein.protocols;
