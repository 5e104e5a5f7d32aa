package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;

/**
 * The limits of one scope (a server, one method, a client's calls to one service). Zero means
 * unlimited.
 *
 * @param maxConcurrentCalls calls in flight at most (unary calls and open streams); 0 = unlimited
 * @param qps                calls started per second at most (token bucket); 0 = unlimited
 * @param qpsBurst           calls that may start at once on a full bucket; 0 = {@code ceil(qps / 10)}
 *                           (100 ms worth, Kitex's refill period), at least 1
 * @param adaptive           an adaptive concurrency limit (applies with {@code maxConcurrentCalls} as
 *                           its ceiling when both are set)
 */
public record LimitSettings(int maxConcurrentCalls, double qps, int qpsBurst, AdaptiveSettings adaptive) {

    /** No limit at all. */
    public static final LimitSettings UNLIMITED = new LimitSettings(0, 0, 0, AdaptiveSettings.OFF);

    public LimitSettings {
        requireNonNull(adaptive, "adaptive");
        if (maxConcurrentCalls < 0 || qpsBurst < 0 || !(qps >= 0) || Double.isInfinite(qps)) {
            throw new IllegalArgumentException("limits must be >= 0 (0 = unlimited): max-concurrent-calls "
                    + maxConcurrentCalls + ", qps " + qps + ", qps-burst " + qpsBurst);
        }
    }

    /** Only a concurrency limit. */
    public static LimitSettings concurrency(int maxConcurrentCalls) {
        return UNLIMITED.withMaxConcurrentCalls(maxConcurrentCalls);
    }

    /** Only a rate limit. */
    public static LimitSettings rate(double qps) {
        return UNLIMITED.withQps(qps);
    }

    /**
     * Reads {@code max-concurrent-calls}, {@code qps}, {@code qps-burst} and {@code adaptive} from
     * {@code c}; absent keys are unlimited, and an absent {@code adaptive} block is off.
     */
    public static LimitSettings fromConfig(Config c) {
        requireNonNull(c, "c");
        return new LimitSettings(
                c.hasPath("max-concurrent-calls") ? c.getInt("max-concurrent-calls") : 0,
                c.hasPath("qps") ? c.getDouble("qps") : 0,
                c.hasPath("qps-burst") ? c.getInt("qps-burst") : 0,
                c.hasPath("adaptive") ? AdaptiveSettings.fromConfig(c.getConfig("adaptive")) : AdaptiveSettings.OFF);
    }

    /** The bucket size in effect. */
    public int effectiveBurst() {
        return qpsBurst > 0 ? qpsBurst : (int) Math.max(1, Math.ceil(qps / 10));
    }

    /** Whether nothing is limited. */
    public boolean isUnlimited() {
        return maxConcurrentCalls == 0 && qps == 0 && !adaptive.enabled();
    }

    public LimitSettings withMaxConcurrentCalls(int max) {
        return new LimitSettings(max, qps, qpsBurst, adaptive);
    }

    public LimitSettings withQps(double perSecond) {
        return new LimitSettings(maxConcurrentCalls, perSecond, qpsBurst, adaptive);
    }

    public LimitSettings withQpsBurst(int burst) {
        return new LimitSettings(maxConcurrentCalls, qps, burst, adaptive);
    }

    public LimitSettings withAdaptive(AdaptiveSettings settings) {
        return new LimitSettings(maxConcurrentCalls, qps, qpsBurst, settings);
    }

    @Override
    public String toString() {
        if (isUnlimited()) {
            return "unlimited";
        }
        StringBuilder b = new StringBuilder();
        if (maxConcurrentCalls > 0) {
            b.append("max-concurrent-calls=").append(maxConcurrentCalls);
        }
        if (qps > 0) {
            b.append(b.length() > 0 ? ", " : "").append("qps=").append(qps).append(" (burst ")
                    .append(effectiveBurst()).append(')');
        }
        if (adaptive.enabled()) {
            b.append(b.length() > 0 ? ", " : "").append("adaptive=").append(adaptive);
        }
        return b.toString();
    }
}
