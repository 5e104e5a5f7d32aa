package io.skein.governance.testing;

import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.testing.StringMarshaller;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * An in-memory channel whose n-th unary attempt ends as a script says; it records each attempt's
 * context and future, so tests see what the layers above sent and cancelled. Like a transport, it
 * cancels an attempt's future when the attempt's context is cancelled.
 */
public final class ScriptedChannel implements ClientChannel {

    /** A unary string method {@code test.Svc/Say}. */
    public static final MethodDescriptor<String, String> SAY = new MethodDescriptor<>("test.Svc/Say", CallKind.UNARY,
            StringMarshaller.INSTANCE, StringMarshaller.INSTANCE);

    public final List<ClientCallContext> contexts = new CopyOnWriteArrayList<>();
    public final List<CompletableFuture<String>> attempts = new CopyOnWriteArrayList<>();
    private final IntFunction<CompletableFuture<String>> script;

    public ScriptedChannel(IntFunction<CompletableFuture<String>> script) {
        this.script = script;
    }

    /** Every attempt fails with {@code code}. */
    public static ScriptedChannel failing(StatusCode code) {
        return new ScriptedChannel(n -> CompletableFuture.failedFuture(new StatusException(code, "attempt " + n)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                   ClientCallContext context) {
        contexts.add(context);
        CompletableFuture<String> f = script.apply(attempts.size());
        attempts.add(f);
        context.onCancel(status -> f.cancel(true));
        return (CompletionStage<Resp>) f;
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Done> closeAsync() {
        return CompletableFuture.completedFuture(Done.getInstance());
    }
}
