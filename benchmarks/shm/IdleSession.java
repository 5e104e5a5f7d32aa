// Holds one idle client session for benchmarks/shm.sh's idle-cost measurement; run with the fat jar on
// the class path (Java's single-file source launcher):
//   java -cp examples/target/skein.jar benchmarks/shm/IdleSession.java TARGET SECONDS
// Opens a channel to TARGET (shm://PATH or skein://HOST:PORT), makes one Echo/Say call so that the
// session or connection exists, prints "ready", stays idle for SECONDS, then closes and exits.
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.Targets;
import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.transport.ClientChannel;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

public class IdleSession {
    public static void main(String[] args) throws Exception {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "idle-session");
        io.skein.runtime.ShmTargets.install();
        ClientChannel channel = Targets.open(system, args[0]);
        ServiceClient client = ServiceClient.create(system, channel, EchoProto.getDescriptor().findServiceByName("Echo"));
        client.unary("Say", EchoRequest.class, EchoReply.class).call(EchoRequest.newBuilder().setMessage("hi").build())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(TimeUnit.SECONDS.toMillis(Long.parseLong(args[1]))); // idle on purpose: this is what is measured
        channel.closeAsync().toCompletableFuture().get(30, TimeUnit.SECONDS);
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
