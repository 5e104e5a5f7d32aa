package io.skein.examples.readme;

import io.skein.actors.BidiStreamingCall;
import io.skein.actors.CallMessage;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.UnaryCall;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The README's service example, compiled by the build so the README cannot drift from the API. */
public final class Greeter {

    private Greeter() {
    }

    /** Greeter's protocol. */
    sealed interface Command {
    }

    record Say(UnaryCall<EchoRequest, EchoReply> call) implements Command, CallMessage {
    }

    record Chat(BidiStreamingCall<EchoRequest, EchoReply> call) implements Command, CallMessage {
    }

    static Behavior<Command> create() {
        return Behaviors.receive(Command.class)
                .onMessage(Say.class, m -> {
                    m.call().reply(EchoReply.newBuilder().setMessage("hello " + m.call().request().getMessage()).build());
                    return Behaviors.same();
                })
                .onMessage(Chat.class, m -> {
                    m.call().respond(m.call().requests().map(r -> EchoReply.newBuilder().setMessage(r.getMessage()).build()));
                    return Behaviors.same();
                })
                .build();
    }

    /** The service definition a node serves. */
    public static ServiceDefinition<?> definition() {
        return ServiceDefinition.forBehavior(EchoProto.getDescriptor().findServiceByName("Echo"), create())
                .unary("Say", Say::new)
                .bidiStreaming("Chat", Chat::new)
                .build();
    }
}
