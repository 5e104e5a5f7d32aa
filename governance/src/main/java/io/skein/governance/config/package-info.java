/**
 * Client policy configuration: {@link io.skein.governance.config.ClientPolicies} reads
 * {@code skein.client.defaults} and {@code skein.client.services."pkg.Svc"} (with per-method
 * overrides) into {@link io.skein.governance.config.MethodPolicy} values.
 */
package io.skein.governance.config;
