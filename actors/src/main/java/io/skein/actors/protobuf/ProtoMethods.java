package io.skein.actors.protobuf;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.skein.protocols.CallKind;
import io.skein.transport.MethodDescriptor;

/** Builds transport {@link MethodDescriptor}s from protobuf service descriptors. */
public final class ProtoMethods {

    private ProtoMethods() {
    }

    /** The call kind a protobuf method declares. */
    public static CallKind kind(Descriptors.MethodDescriptor method) {
        return CallKind.of(method.isClientStreaming(), method.isServerStreaming());
    }

    /** {@code package.Service/Method}. */
    public static String fullName(Descriptors.MethodDescriptor method) {
        return method.getService().getFullName() + "/" + method.getName();
    }

    /** The transport descriptor of a protobuf method, with marshallers for its generated classes. */
    @SuppressWarnings("unchecked")
    public static <Req extends Message, Resp extends Message> MethodDescriptor<Req, Resp> descriptor(
            Descriptors.MethodDescriptor method) {
        requireNonNull(method, "method");
        Req request = (Req) ProtoTypes.defaultInstance(method.getInputType());
        Resp response = (Resp) ProtoTypes.defaultInstance(method.getOutputType());
        return new MethodDescriptor<>(fullName(method), kind(method), ProtobufMarshaller.of(request),
                ProtobufMarshaller.of(response));
    }

    /** The method {@code name} of {@code service}, or an exception naming what exists. */
    public static Descriptors.MethodDescriptor find(Descriptors.ServiceDescriptor service, String name) {
        requireNonNull(service, "service");
        requireNonNull(name, "name");
        Descriptors.MethodDescriptor m = service.findMethodByName(name);
        if (m == null) {
            throw new IllegalArgumentException("service " + service.getFullName() + " has no method " + name
                    + "; it has " + service.getMethods().stream().map(Descriptors.MethodDescriptor::getName).toList());
        }
        return m;
    }
}
