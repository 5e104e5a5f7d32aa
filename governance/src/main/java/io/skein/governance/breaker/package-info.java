/**
 * Circuit breakers. A {@link io.skein.governance.breaker.CircuitBreaker} is one scope's state
 * machine (closed, open, half-open) owned by a typed actor that publishes its decision for the call
 * path to read; {@link io.skein.governance.breaker.CircuitBreakers} holds them by scope (service level:
 * caller, service and method) and {@link io.skein.governance.breaker.InstanceBreakers} per endpoint
 * below the balancer.
 */
package io.skein.governance.breaker;
