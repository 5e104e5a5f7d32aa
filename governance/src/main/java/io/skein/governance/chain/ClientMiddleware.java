package io.skein.governance.chain;

import static java.util.Objects.requireNonNull;

import io.skein.transport.ClientChannel;

/**
 * A client-side stage: wraps the channel below it and returns the channel callers above see (Kitex's
 * {@code Endpoint -> Endpoint}). Stages compose outermost first with {@link #andThen}.
 */
@FunctionalInterface
public interface ClientMiddleware {

    /** The channel that applies this stage and then calls {@code next}. */
    ClientChannel wrap(ClientChannel next);

    /** This stage outside, {@code inner} inside: calls pass this stage first. */
    default ClientMiddleware andThen(ClientMiddleware inner) {
        requireNonNull(inner, "inner");
        return next -> wrap(inner.wrap(next));
    }

    /** The stage that adds nothing. */
    static ClientMiddleware identity() {
        return next -> next;
    }
}
