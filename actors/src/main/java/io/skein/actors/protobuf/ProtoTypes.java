package io.skein.actors.protobuf;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Message;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the generated Java class of a protobuf message descriptor, following protoc's naming rules
 * ({@code java_package}, {@code java_multiple_files}, {@code java_outer_classname}), so services and
 * clients can be built from descriptors alone.
 */
public final class ProtoTypes {

    private static final Map<String, Message> CACHE = new ConcurrentHashMap<>();

    private ProtoTypes() {
    }

    /** The default instance of the generated class for {@code type}. */
    public static Message defaultInstance(Descriptor type) {
        requireNonNull(type, "type");
        return CACHE.computeIfAbsent(type.getFullName(), n -> load(type));
    }

    private static Message load(Descriptor type) {
        String className = javaClassName(type);
        try {
            Class<?> cls = Class.forName(className, true, classLoader());
            return (Message) cls.getMethod("getDefaultInstance").invoke(null);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("no generated Java class " + className + " for protobuf message "
                    + type.getFullName() + " on the class path", e);
        }
    }

    private static ClassLoader classLoader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : ProtoTypes.class.getClassLoader();
    }

    /** The binary name protoc gives the Java class of {@code type}. */
    public static String javaClassName(Descriptor type) {
        FileDescriptor file = type.getFile();
        FileOptions options = file.getOptions();
        String javaPackage = options.hasJavaPackage() ? options.getJavaPackage() : file.getPackage();
        StringBuilder nested = new StringBuilder(type.getName());
        for (Descriptor outer = type.getContainingType(); outer != null; outer = outer.getContainingType()) {
            nested.insert(0, outer.getName() + "$");
        }
        String prefix = javaPackage.isEmpty() ? "" : javaPackage + ".";
        if (options.getJavaMultipleFiles()) {
            return prefix + nested;
        }
        return prefix + outerClassName(file) + "$" + nested;
    }

    private static String outerClassName(FileDescriptor file) {
        if (file.getOptions().hasJavaOuterClassname()) {
            return file.getOptions().getJavaOuterClassname();
        }
        String name = file.getName();
        int slash = name.lastIndexOf('/');
        if (slash >= 0) {
            name = name.substring(slash + 1);
        }
        if (name.endsWith(".proto")) {
            name = name.substring(0, name.length() - ".proto".length());
        }
        StringBuilder camel = new StringBuilder();
        boolean upper = true;
        for (char c : name.toCharArray()) {
            if (!Character.isLetterOrDigit(c)) {
                upper = true;
            } else {
                camel.append(upper ? Character.toUpperCase(c) : c);
                upper = Character.isDigit(c);
            }
        }
        String candidate = camel.toString();
        boolean clash = file.getMessageTypes().stream().anyMatch(m -> m.getName().equals(candidate))
                || file.getServices().stream().anyMatch(s -> s.getName().equals(candidate))
                || file.getEnumTypes().stream().anyMatch(e -> e.getName().equals(candidate));
        return clash ? candidate + "OuterClass" : candidate;
    }
}
