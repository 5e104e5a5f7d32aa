package io.skein.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * h2load (Debian's nghttp2-client), a generic HTTP/2 load tool that knows nothing of gRPC, drives
 * {@code Echo/Say} at 100 concurrent streams over 4 connections: every request must succeed.
 * Skipped where h2load is not installed (it is not part of a JDK-and-Maven machine).
 */
class H2LoadTest {

    @TempDir
    Path dir;

    @Test
    void hundredConcurrentStreamsWithoutFailure() throws Exception {
        Path h2load = onPath("h2load");
        Assumptions.assumeTrue(h2load != null, "h2load is not installed (apt-get install nghttp2-client)");
        byte[] message = EchoRequest.newBuilder().setMessage("h2load")
                .setPayload(ByteString.copyFrom(new byte[1024])).build().toByteArray();
        ByteBuffer framed = ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message);
        Path body = Files.write(dir.resolve("say.bin"), framed.array());
        SkeinNode node = TestNodes.echoNode();
        try {
            Process p = new ProcessBuilder(List.of(h2load.toString(), "-n", "5000", "-c", "4", "-m", "25",
                    "-d", body.toString(), "-H", "content-type: application/grpc", "-H", "te: trailers",
                    "http://127.0.0.1:" + node.address().getPort() + "/skein.examples.echo.Echo/Say"))
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "h2load did not finish within 120 s");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Matcher requests = Pattern.compile("requests: (\\d+) total, \\d+ started, (\\d+) done, (\\d+) succeeded, "
                    + "(\\d+) failed, (\\d+) errored").matcher(out);
            assertTrue(requests.find(), out);
            assertEquals("5000", requests.group(3), out);
            assertEquals("0", requests.group(4), out);
            assertEquals("0", requests.group(5), out);
            assertTrue(out.contains("5000 2xx"), out);
        } finally {
            TestNodes.close(node);
        }
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        for (String d : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path candidate = Path.of(d, name);
            if (!d.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
