package io.skein.protocols;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-call key/value pairs, split as Kitex's metainfo splits them: <em>transient</em> values travel
 * one hop, <em>persistent</em> values travel the whole call chain (a server that calls onwards passes
 * them on). Keys are case-sensitive strings; values are strings. Immutable; build with
 * {@link #builder()} or {@link #toBuilder()}.
 */
public final class Metadata {

    /** No metadata. */
    public static final Metadata EMPTY = new Metadata(Map.of(), Map.of());

    private final Map<String, String> transientValues;
    private final Map<String, String> persistentValues;

    private Metadata(Map<String, String> transientValues, Map<String, String> persistentValues) {
        this.transientValues = transientValues;
        this.persistentValues = persistentValues;
    }

    /** One-hop values. */
    public Map<String, String> transientValues() {
        return transientValues;
    }

    /** Whole-chain values. */
    public Map<String, String> persistentValues() {
        return persistentValues;
    }

    /** The value for a key, transient first, then persistent; {@code null} when absent. */
    public String get(String key) {
        String v = transientValues.get(key);
        return v != null ? v : persistentValues.get(key);
    }

    public boolean isEmpty() {
        return transientValues.isEmpty() && persistentValues.isEmpty();
    }

    /** Only the persistent part: what a server forwards when it calls onwards. */
    public Metadata persistentOnly() {
        return persistentValues.isEmpty() ? EMPTY : new Metadata(Map.of(), persistentValues);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.transientValues.putAll(transientValues);
        b.persistentValues.putAll(persistentValues);
        return b;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Metadata m && m.transientValues.equals(transientValues)
                && m.persistentValues.equals(persistentValues);
    }

    @Override
    public int hashCode() {
        return transientValues.hashCode() * 31 + persistentValues.hashCode();
    }

    /** Credentials are never printed: the value of {@code authorization} shows as {@code <redacted>}. */
    @Override
    public String toString() {
        return "Metadata{transient=" + redacted(transientValues) + ", persistent=" + redacted(persistentValues) + '}';
    }

    private static Map<String, String> redacted(Map<String, String> values) {
        if (values.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("authorization"))) {
            return values;
        }
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.replaceAll((k, v) -> k.equalsIgnoreCase("authorization") ? "<redacted>" : v);
        return copy;
    }

    /** Builds {@link Metadata}. */
    public static final class Builder {
        private final Map<String, String> transientValues = new LinkedHashMap<>();
        private final Map<String, String> persistentValues = new LinkedHashMap<>();

        private Builder() {
        }

        /** Adds a one-hop value. */
        public Builder put(String key, String value) {
            transientValues.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        /** Adds a value that travels the whole call chain. */
        public Builder putPersistent(String key, String value) {
            persistentValues.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        /** Adds every value of another metadata, keeping its split. */
        public Builder putAll(Metadata other) {
            requireNonNull(other, "other");
            transientValues.putAll(other.transientValues);
            persistentValues.putAll(other.persistentValues);
            return this;
        }

        public Metadata build() {
            if (transientValues.isEmpty() && persistentValues.isEmpty()) {
                return EMPTY;
            }
            return new Metadata(Collections.unmodifiableMap(new LinkedHashMap<>(transientValues)),
                    Collections.unmodifiableMap(new LinkedHashMap<>(persistentValues)));
        }
    }
}
