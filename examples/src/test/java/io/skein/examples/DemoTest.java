package io.skein.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code demo} starts three clustered nodes (ClusterBootstrap, config discovery), and walks through
 * the four call kinds through {@code cluster://}, round robin over all three (and stops them).
 */
class DemoTest {

    private static final Pattern NODE = Pattern.compile(
            "node (127\\.0\\.0\\.1:\\d+) serving \\[skein\\.examples\\.echo\\.Echo] at skein://127\\.0\\.0\\.1:\\d+"
            + "(; metrics on http://127\\.0\\.0\\.1:\\d+/metrics)?");
    private static final Pattern SERVED_BY = Pattern.compile("served_by: (\\S+)}");

    @Test
    void demoFormsAClusterAndRunsEveryCallKindThroughIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exit = Demo.run(out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        List<String> lines = text.lines().toList();

        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            Matcher m = NODE.matcher(lines.get(i));
            assertTrue(m.matches(), lines.get(i));
            nodes.add(m.group(1));
        }
        assertEquals(3, nodes.size(), text);
        // Each node's metrics endpoint (skein.observability.http on a free port in the demo) is printed.
        for (int i = 0; i < 3; i++) {
            assertTrue(lines.get(i).matches(".*; metrics on http://127\\.0\\.0\\.1:\\d+/metrics"), lines.get(i));
        }
        assertTrue(lines.get(3).startsWith("cluster formed by ClusterBootstrap (config discovery): 3 members Up"), text);

        assertTrue(text.contains("unary Say           -> {message: hello, skein}"), text);
        assertTrue(text.contains("<- {message: hello, skein, seq: 0, served_by: "), text);

        // Round robin: six calls reach all three nodes.
        Set<String> roundRobin = new HashSet<>();
        for (int i = 1; i <= 6; i++) {
            String prefix = "<- {message: call " + i + ", seq: 0, served_by: ";
            String line = lines.stream().filter(l -> l.contains(prefix)).findFirst().orElseThrow(() -> new AssertionError(text));
            roundRobin.add(servedBy(line));
        }
        assertEquals(nodes, roundRobin, text);

        assertTrue(text.contains("server stream Repeat -> {message: tick, count: 3}"), text);
        for (int seq = 0; seq < 3; seq++) {
            assertTrue(text.contains("<- {message: tick, seq: " + seq + ", served_by: "), text);
        }
        assertTrue(text.contains("client stream Collect -> a, b, c"), text);
        assertTrue(text.contains("<- {message: a,b,c, seq: 3, served_by: "), text);
        assertTrue(text.contains("bidi stream Chat    -> x, y, z"), text);
        assertTrue(text.contains("<- {message: x, seq: 0, served_by: "), text);
        assertTrue(text.contains("<- {message: y, seq: 1, served_by: "), text);
        assertTrue(text.contains("<- {message: z, seq: 2, served_by: "), text);
        // Every reply came from one of the three nodes.
        lines.stream().filter(l -> l.contains("served_by: ")).forEach(l -> assertTrue(nodes.contains(servedBy(l)), l));

        assertTrue(text.contains("<- NOT_FOUND: no such thing"), text);
        assertEquals("demo finished", lines.get(lines.size() - 1), text);
    }

    private static String servedBy(String line) {
        Matcher m = SERVED_BY.matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }
}
