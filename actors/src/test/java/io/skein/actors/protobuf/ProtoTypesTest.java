package io.skein.actors.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.skein.actors.testproto.Greet;
import io.skein.protocols.CallKind;
import io.skein.transport.MethodDescriptor;
import org.junit.jupiter.api.Test;

class ProtoTypesTest {

    @Test
    void findsGeneratedClassesByProtocNamingRules() {
        assertEquals("io.skein.actors.testproto.Greet$Hello", ProtoTypes.javaClassName(Greet.Hello.getDescriptor()));
        assertEquals("io.skein.actors.testproto.Greet$Hello$Nested",
                ProtoTypes.javaClassName(Greet.Hello.Nested.getDescriptor()));
        assertSame(Greet.Hello.getDefaultInstance(), ProtoTypes.defaultInstance(Greet.Hello.getDescriptor()));
        assertSame(Greet.Hello.Nested.getDefaultInstance(), ProtoTypes.defaultInstance(Greet.Hello.Nested.getDescriptor()));
    }

    @Test
    void buildsMethodDescriptorsOfEveryKind() {
        var service = Greet.getDescriptor().findServiceByName("Greeter");
        MethodDescriptor<?, ?> greet = ProtoMethods.descriptor(ProtoMethods.find(service, "Greet"));
        assertEquals("skein.test.greet.Greeter/Greet", greet.fullName());
        assertEquals(CallKind.UNARY, greet.kind());
        assertEquals(CallKind.SERVER_STREAMING, ProtoMethods.kind(ProtoMethods.find(service, "GreetMany")));
        assertEquals(CallKind.CLIENT_STREAMING, ProtoMethods.kind(ProtoMethods.find(service, "GreetAll")));
        assertEquals(CallKind.BIDI_STREAMING, ProtoMethods.kind(ProtoMethods.find(service, "Converse")));
    }
}
