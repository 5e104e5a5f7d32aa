package io.skein.examples.readme;

import io.skein.actors.ServiceDefinition;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoSkein;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The README's service example, compiled by the build so the README cannot drift from the API. */
public final class Greeter {

    private Greeter() {
    }

    static Behavior<EchoSkein.Command> create() {
        return Behaviors.receive(EchoSkein.Command.class)
                .onMessage(EchoSkein.Say.class, m -> {
                    m.call().reply(EchoReply.newBuilder().setMessage("hello " + m.call().request().getMessage()).build());
                    return Behaviors.same();
                })
                .onMessage(EchoSkein.Chat.class, m -> {
                    m.call().respond(m.call().requests().map(r -> EchoReply.newBuilder().setMessage(r.getMessage()).build()));
                    return Behaviors.same();
                })
                .build();   // Repeat and Collect have no case here: their callers get UNIMPLEMENTED
    }

    /** The service definition a node serves. */
    public static ServiceDefinition<EchoSkein.Command> definition() {
        return EchoSkein.definition(create()).build();
    }
}
