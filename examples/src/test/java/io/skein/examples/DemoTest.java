package io.skein.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code demo} walks through the four call kinds against a node it starts (and stops) itself. */
class DemoTest {

    @Test
    void demoRunsEveryCallKindAndSucceeds() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exit = Demo.run(out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        List<String> lines = text.lines().toList();

        assertTrue(lines.get(0).matches("node 127\\.0\\.0\\.1:\\d+ serving \\[skein\\.examples\\.echo\\.Echo] at "
                + "skein://127\\.0\\.0\\.1:\\d+"), lines.get(0));
        String node = lines.get(0).split(" ")[1];

        assertTrue(text.contains("unary Say           -> {message: hello, skein}"), text);
        assertTrue(text.contains("<- {message: hello, skein, seq: 0, served_by: " + node + "}"), text);

        assertTrue(text.contains("server stream Repeat -> {message: tick, count: 3}"), text);
        for (int seq = 0; seq < 3; seq++) {
            assertTrue(text.contains("<- {message: tick, seq: " + seq + ", served_by: " + node + "}"), text);
        }

        assertTrue(text.contains("client stream Collect -> a, b, c"), text);
        assertTrue(text.contains("<- {message: a,b,c, seq: 3, served_by: " + node + "}"), text);

        assertTrue(text.contains("bidi stream Chat    -> x, y, z"), text);
        assertTrue(text.contains("<- {message: x, seq: 0, served_by: " + node + "}"), text);
        assertTrue(text.contains("<- {message: y, seq: 1, served_by: " + node + "}"), text);
        assertTrue(text.contains("<- {message: z, seq: 2, served_by: " + node + "}"), text);

        assertTrue(text.contains("<- NOT_FOUND: no such thing"), text);
        assertEquals("demo finished", lines.get(lines.size() - 1), text);
    }
}
