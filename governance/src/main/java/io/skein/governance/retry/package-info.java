/**
 * Failure retry and backup (hedged) requests: {@link io.skein.governance.retry.RetryChannel} applies
 * a per-method {@link io.skein.governance.retry.RetryPolicy} and
 * {@link io.skein.governance.retry.BackupPolicy} over a balancer, bounded by an actor-owned
 * {@link io.skein.governance.retry.RetryBudget}.
 */
package io.skein.governance.retry;
