package io.skein.actors;

/**
 * Implemented by a service actor's message types that carry a call, so that when the actor fails
 * while handling one, Skein fails exactly that call with {@code INTERNAL} (and restarts the actor).
 * A record with a component named {@code call} implements it for free:
 *
 * <pre>{@code
 * record Say(UnaryCall<EchoRequest, EchoReply> call) implements EchoCommand, CallMessage {}
 * }</pre>
 */
public interface CallMessage {

    /** The call this message carries. */
    ServiceCall<?, ?> call();
}
