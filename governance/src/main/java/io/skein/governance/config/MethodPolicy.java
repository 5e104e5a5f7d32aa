package io.skein.governance.config;

import static java.util.Objects.requireNonNull;

import io.skein.governance.breaker.BreakerSettings;
import io.skein.governance.retry.RetryChannel;
import java.time.Duration;

/**
 * The client policies of one method, resolved from configuration (method block over service block
 * over defaults).
 *
 * @param method         the method name ({@code Say}), or {@code *} for methods without a block
 * @param timeout        the RPC timeout of a unary call when the call sets none; {@code null}: none
 * @param receiveTimeout the stream receive timeout; {@code null}: none
 * @param retry          retry, backup and idempotency
 * @param breaker        the service-level breaker of this method
 */
public record MethodPolicy(String method, Duration timeout, Duration receiveTimeout, RetryChannel.Plan retry,
        BreakerSettings breaker) {

    public MethodPolicy {
        requireNonNull(method, "method");
        requireNonNull(retry, "retry");
        requireNonNull(breaker, "breaker");
    }
}
