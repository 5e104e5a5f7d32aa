package io.skein.transport;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;

/**
 * A flag per message object, by identity, that never keeps a message alive: how the transport and a
 * service tell each other about single messages (arrived compressed; send uncompressed) without
 * changing the messages' types. Identity, not {@code equals}: two equal protobuf messages are still
 * two messages. An entry goes when its message is garbage or when it is {@linkplain #take taken}.
 *
 * <p>Every call has a few of these and almost none is ever marked, so the map and its reference queue are
 * made by the first mark: an unmarked instance is one small object, and reading it one volatile read,
 * no lock.
 *
 * <p>Thread-safe; every operation is O(1) apart from dropping the entries of collected messages.
 */
final class MessageMarks {

    // Made by the first put, under the lock, the queue before the map; then read and written only under
    // the lock. A reader that sees no map yet answers without taking the lock.
    private ReferenceQueue<Object> collected;
    private volatile Map<Key, Boolean> marks;

    /** Marks {@code message} with {@code value}, replacing an earlier mark. */
    synchronized void put(Object message, boolean value) {
        if (marks == null) {
            collected = new ReferenceQueue<>();
            marks = new HashMap<>();
        }
        expunge();
        marks.put(new Key(message, collected), value);
    }

    /** The mark of {@code message}, or {@code null} when it has none. */
    Boolean get(Object message) {
        if (marks == null || message == null) {
            return null;
        }
        synchronized (this) {
            expunge();
            return marks.get(new Key(message, null));
        }
    }

    /** The mark of {@code message}, or {@code null} when it has none; the mark is gone afterwards. */
    Boolean take(Object message) {
        if (marks == null || message == null) {
            return null;
        }
        synchronized (this) {
            expunge();
            return marks.remove(new Key(message, null));
        }
    }

    /** Forgets every mark. */
    synchronized void clear() {
        if (marks != null) {
            marks.clear();
            expunge();
        }
    }

    synchronized int size() {
        if (marks == null) {
            return 0;
        }
        expunge();
        return marks.size();
    }

    private void expunge() {
        for (Object k; (k = collected.poll()) != null; ) {
            marks.remove(k);
        }
    }

    /** A weak reference compared by the identity of its referent (a cleared one equals only itself). */
    private static final class Key extends WeakReference<Object> {
        private final int hash;

        Key(Object message, ReferenceQueue<Object> queue) {
            super(message, queue);
            this.hash = System.identityHashCode(message);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            if (!(other instanceof Key k) || k.hash != hash) {
                return false;
            }
            Object referent = get();
            return referent != null && referent == k.get();
        }
    }
}
