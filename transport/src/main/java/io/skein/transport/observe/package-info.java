/**
 * The observation SPI of the call engine: a {@link io.skein.transport.observe.CallObserver} is told of
 * every call the server dispatcher starts or refuses and of every call a client makes (the logical call
 * and each attempt that reaches a wire), and of connections; a per-call
 * {@link io.skein.transport.observe.CallProbe} hears that call's messages and end. It knows nothing of
 * any metrics or tracing library: the Kamon implementation lives in {@code runtime}. Like grpc-java's
 * stream tracer factories, a disabled observer costs one virtual call per hook and no allocation.
 */
package io.skein.transport.observe;
