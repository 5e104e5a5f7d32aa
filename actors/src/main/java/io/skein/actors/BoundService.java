package io.skein.actors;

import io.skein.transport.ServerMethod;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A service ready to serve: its methods for a server's registry, and the actor behind them.
 *
 * @param name    {@code package.Service}
 * @param methods the transport methods, one per bound protobuf method
 * @param actor   the actor calls are sent to
 */
public record BoundService(String name, List<ServerMethod<?, ?>> methods, ActorRef<?> actor) {
}
