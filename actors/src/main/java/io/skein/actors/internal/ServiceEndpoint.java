package io.skein.actors.internal;

import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The actor a service's calls go to, and whether it is still there: a call to a stopped service
 * fails at once with {@code UNAVAILABLE} instead of vanishing into dead letters.
 */
public final class ServiceEndpoint<T> {

    private final String service;
    private final ActorRef<T> actor;
    private volatile boolean stopped;

    public ServiceEndpoint(String service, ActorRef<T> actor) {
        this.service = service;
        this.actor = actor;
    }

    public ActorRef<T> actor() {
        return actor;
    }

    /** Delivers a call message, or throws UNAVAILABLE when the service actor has stopped. */
    void tell(T message) {
        if (stopped) {
            throw new StatusException(StatusCode.UNAVAILABLE, "service " + service + " is stopped");
        }
        actor.tell(message);
    }

    void markStopped() {
        stopped = true;
    }

    public boolean isStopped() {
        return stopped;
    }
}
