/**
 * The client chain. {@link io.skein.governance.chain.ClientGovernance} builds a
 * {@link io.skein.governance.chain.GovernedChannel} for one service in Kitex's order (fallback →
 * service breaker and timeout → user middleware → retry and backup → balancer with instance
 * breakers), from configuration ({@code skein.client.defaults}, {@code skein.client.services}) or
 * given policies; {@link io.skein.governance.chain.GovernedChannel#reconfigure} applies a reload and
 * {@link io.skein.governance.chain.GovernedChannel#stats} shows every policy's state.
 * {@link io.skein.governance.chain.ClientMiddleware} decorates a
 * {@link io.skein.transport.ClientChannel} (Kitex's {@code Endpoint -> Endpoint}), and
 * {@link io.skein.governance.chain.ForwardingClientChannel} is the base for decorators that change
 * one call kind and pass the rest through.
 */
package io.skein.governance.chain;
