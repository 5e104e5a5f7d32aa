/**
 * Client middleware: {@link io.skein.governance.chain.ClientMiddleware} decorates a
 * {@link io.skein.transport.ClientChannel} (Kitex's {@code Endpoint -> Endpoint}), and
 * {@link io.skein.governance.chain.ForwardingClientChannel} is the base for decorators that change
 * one call kind and pass the rest through.
 */
package io.skein.governance.chain;
