package io.skein.actors;

/**
 * Implemented by a service actor's message types that carry a call, so that when the actor fails
 * while handling one, Skein fails exactly that call with a generic {@code INTERNAL} (and then applies
 * the service's supervision: resume, keeping the actor's state, unless chosen otherwise).
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
