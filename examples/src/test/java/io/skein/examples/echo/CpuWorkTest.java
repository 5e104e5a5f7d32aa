package io.skein.examples.echo;

import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.client.UnaryMethod;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;

/**
 * Echo's {@code cpu_us}: the service spends that much CPU on the call. Only lower bounds are checked (CPU
 * time spent and wall time elapsed can only exceed what was asked, however busy the machine is).
 */
class CpuWorkTest {

    @Test
    void burnSpendsAtLeastTheAskedCpuTimeOfTheCallingThread() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assertTrue(CpuWork.measuresThreadCpuTime(), "this JVM measures thread CPU time");
        long before = threads.getCurrentThreadCpuTime();
        CpuWork.burn(5_000);
        long spent = threads.getCurrentThreadCpuTime() - before;
        assertTrue(spent >= TimeUnit.MICROSECONDS.toNanos(5_000), "spent " + spent + " ns of CPU");
    }

    @Test
    void nothingToBurnReturnsAtOnce() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadCpuTime();
        CpuWork.burn(0);
        CpuWork.burn(-5);
        // No work loop ran: far less CPU than one spin of it would take on any machine.
        assertTrue(threads.getCurrentThreadCpuTime() - before < TimeUnit.MILLISECONDS.toNanos(5));
    }

    @Test
    void aSayWithCpuMicrosTakesAtLeastThatLongAndStillEchoes() {
        SkeinNode server = TestNodes.echoNode();
        ActorSystem<Void> client = TestNodes.clientSystem("cpu-client", "");
        try {
            UnaryMethod<EchoRequest, EchoReply> say = TestNodes.echoClient(client, server)
                    .unary("Say", EchoRequest.class, EchoReply.class);
            long start = System.nanoTime();
            EchoReply reply = await(say.call(EchoRequest.newBuilder().setMessage("work").setCpuUs(20_000).build()));
            long elapsed = System.nanoTime() - start;
            assertEquals("work", reply.getMessage());
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(20), "answered after " + elapsed / 1000 + " us");
        } finally {
            try {
                TestNodes.terminate(client);
            } finally {
                TestNodes.close(server);
            }
        }
    }
}
