package io.skein.actors.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.skein.actors.protobuf.ProtoMethods;
import io.skein.actors.protobuf.ProtoTypes;
import io.skein.protocols.CallKind;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;

/**
 * A typed client of one protobuf service over any {@link ClientChannel}, built from the same
 * descriptors the server uses. Get a typed handle per method, checked against the descriptor:
 *
 * <pre>{@code
 * ServiceClient echo = ServiceClient.create(system, channel, EchoProto.getDescriptor().findServiceByName("Echo"));
 * UnaryMethod<EchoRequest, EchoReply> say = echo.unary("Say", EchoRequest.class, EchoReply.class);
 * CompletionStage<EchoReply> reply = say.call(EchoRequest.newBuilder().setMessage("hi").build());
 * }</pre>
 */
public final class ServiceClient {

    private final ClientChannel channel;
    private final Descriptors.ServiceDescriptor service;
    private final Materializer materializer;

    private ServiceClient(ActorSystem<?> system, ClientChannel channel, Descriptors.ServiceDescriptor service) {
        this.channel = channel;
        this.service = service;
        this.materializer = Materializer.matFromSystem(system);
    }

    /** A client of {@code service} over {@code channel}. */
    public static ServiceClient create(ActorSystem<?> system, ClientChannel channel,
                                       Descriptors.ServiceDescriptor service) {
        return new ServiceClient(requireNonNull(system, "system"), requireNonNull(channel, "channel"),
                requireNonNull(service, "service"));
    }

    public Descriptors.ServiceDescriptor service() {
        return service;
    }

    public ClientChannel channel() {
        return channel;
    }

    /** The unary method {@code name}. */
    public <Req extends Message, Resp extends Message> UnaryMethod<Req, Resp> unary(String name, Class<Req> request,
                                                                                   Class<Resp> response) {
        return new UnaryMethod<>(channel, method(name, CallKind.UNARY, request, response));
    }

    /** The server-streaming method {@code name}. */
    public <Req extends Message, Resp extends Message> ServerStreamingMethod<Req, Resp> serverStreaming(
            String name, Class<Req> request, Class<Resp> response) {
        return new ServerStreamingMethod<>(channel, method(name, CallKind.SERVER_STREAMING, request, response));
    }

    /** The client-streaming method {@code name}. */
    public <Req extends Message, Resp extends Message> ClientStreamingMethod<Req, Resp> clientStreaming(
            String name, Class<Req> request, Class<Resp> response) {
        return new ClientStreamingMethod<>(channel, method(name, CallKind.CLIENT_STREAMING, request, response),
                materializer);
    }

    /** The bidirectional-streaming method {@code name}. */
    public <Req extends Message, Resp extends Message> BidiStreamingMethod<Req, Resp> bidiStreaming(
            String name, Class<Req> request, Class<Resp> response) {
        return new BidiStreamingMethod<>(channel, method(name, CallKind.BIDI_STREAMING, request, response));
    }

    /** The transport descriptor of any method, untyped (for generic tools such as the CLI). */
    public MethodDescriptor<Message, Message> descriptor(String name) {
        return ProtoMethods.descriptor(ProtoMethods.find(service, name));
    }

    private <Req extends Message, Resp extends Message> MethodDescriptor<Req, Resp> method(
            String name, CallKind kind, Class<Req> request, Class<Resp> response) {
        requireNonNull(request, "request");
        requireNonNull(response, "response");
        Descriptors.MethodDescriptor m = ProtoMethods.find(service, name);
        if (ProtoMethods.kind(m) != kind) {
            throw new IllegalArgumentException(m.getFullName() + " is " + ProtoMethods.kind(m) + ", not " + kind);
        }
        check(m.getInputType(), request);
        check(m.getOutputType(), response);
        return ProtoMethods.descriptor(m);
    }

    private static void check(Descriptors.Descriptor type, Class<?> cls) {
        Class<?> actual = ProtoTypes.defaultInstance(type).getClass();
        if (!cls.equals(actual)) {
            throw new IllegalArgumentException(type.getFullName() + " is " + actual.getName() + ", not " + cls.getName());
        }
    }
}
