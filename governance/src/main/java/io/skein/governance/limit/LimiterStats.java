package io.skein.governance.limit;

/**
 * What one limiter has done so far, read without stopping it (counters are read one after the other,
 * so under load they are consistent to within the calls of that instant).
 *
 * @param scope              {@code server}, a method's full name, or {@code client <service>}
 * @param settings           the settings in force
 * @param concurrencyLimit   the concurrency limit in force (the adaptive one when adaptive); 0 = unlimited
 * @param inFlight           calls admitted and not yet ended
 * @param peakInFlight       the most calls in flight at once since start
 * @param admitted           calls admitted since start
 * @param refusedConcurrency calls refused because {@code concurrencyLimit} calls were in flight
 * @param refusedRate        calls refused because the rate (token bucket) was exhausted
 */
public record LimiterStats(String scope, LimitSettings settings, int concurrencyLimit, int inFlight, int peakInFlight,
                           long admitted, long refusedConcurrency, long refusedRate) {

    /** Calls refused for any reason. */
    public long refused() {
        return refusedConcurrency + refusedRate;
    }
}
