package io.skein.protoc;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import java.util.Set;

/**
 * The Java names protoc's own Java generator gives a file's classes: the package ({@code java_package}
 * or the proto package), the outer class ({@code java_outer_classname}, or the file name in camel case,
 * with {@code OuterClass} appended when a top-level type already has that name) and each message's
 * class (top level with {@code java_multiple_files}, nested in the outer class otherwise).
 *
 * <p>Stateless; used on the plugin's one thread.
 */
final class JavaNames {

    private static final Set<String> KEYWORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends",
            "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
            "interface", "long", "native", "new", "package", "private", "protected", "public", "return", "short",
            "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
            "void", "volatile", "while", "true", "false", "null", "record", "sealed", "permits", "var", "yield");

    private JavaNames() {
    }

    /** The Java package of {@code file}'s classes ("" for none). */
    static String javaPackage(Descriptors.FileDescriptor file) {
        DescriptorProtos.FileOptions options = file.getOptions();
        return options.hasJavaPackage() ? options.getJavaPackage() : file.getPackage();
    }

    /** The simple name of {@code file}'s outer class. */
    static String outerClassName(Descriptors.FileDescriptor file) {
        DescriptorProtos.FileOptions options = file.getOptions();
        if (options.hasJavaOuterClassname()) {
            return options.getJavaOuterClassname();
        }
        String base = file.getName();
        base = base.substring(base.lastIndexOf('/') + 1);
        if (base.endsWith(".proto")) {
            base = base.substring(0, base.length() - ".proto".length());
        }
        String name = camel(base, true);
        boolean clash = file.getMessageTypes().stream().anyMatch(m -> m.getName().equals(name))
                || file.getEnumTypes().stream().anyMatch(e -> e.getName().equals(name))
                || file.getServices().stream().anyMatch(s -> s.getName().equals(name));
        return clash ? name + "OuterClass" : name;
    }

    /** The fully qualified name of {@code file}'s outer class. */
    static String outerClass(Descriptors.FileDescriptor file) {
        return qualify(javaPackage(file), outerClassName(file));
    }

    /** The fully qualified (dotted, nested classes included) Java name of a message's class. */
    static String messageClass(Descriptors.Descriptor message) {
        Descriptors.FileDescriptor file = message.getFile();
        StringBuilder nested = new StringBuilder(message.getName());
        for (Descriptors.Descriptor c = message.getContainingType(); c != null; c = c.getContainingType()) {
            nested.insert(0, c.getName() + ".");
        }
        return file.getOptions().getJavaMultipleFiles()
                ? qualify(javaPackage(file), nested.toString())
                : qualify(outerClass(file), nested.toString());
    }

    /** {@code Say} → {@code say}; a Java keyword gets a trailing underscore. */
    static String methodName(String rpc) {
        String name = camel(rpc, false);
        return KEYWORDS.contains(name) ? name + "_" : name;
    }

    /**
     * protoc's camel case: letters after a non-alphanumeric are upper-cased, digits are kept, other
     * characters dropped; the first letter upper-cased ({@code upperFirst}) or lower-cased.
     */
    static String camel(String input, boolean upperFirst) {
        StringBuilder out = new StringBuilder(input.length());
        boolean upperNext = upperFirst;
        for (int i = 0; i < input.length(); i++) {
            char c = input.charAt(i);
            if (Character.isLetter(c)) {
                if (out.length() == 0 && !upperFirst) {
                    out.append(Character.toLowerCase(c));
                } else {
                    out.append(upperNext ? Character.toUpperCase(c) : c);
                }
                upperNext = false;
            } else if (Character.isDigit(c)) {
                out.append(c);
                upperNext = true;
            } else {
                upperNext = out.length() > 0 || upperFirst;
            }
        }
        return out.toString();
    }

    private static String qualify(String pkg, String name) {
        return pkg.isEmpty() ? name : pkg + "." + name;
    }
}
