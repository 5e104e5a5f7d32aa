/**
 * The protocol-neutral model every Skein protocol maps onto: {@link io.skein.protocols.Status} and its
 * {@link io.skein.protocols.StatusCode}s, {@link io.skein.protocols.Metadata} and
 * {@link io.skein.protocols.CallKind}. The wire formats live in sub-packages: {@code ttheader} (CloudWeGo
 * TTHeader framing), {@code kitex} (Kitex Protobuf payloads) and {@code frame} (Skein frames).
 */
package io.skein.protocols;
