package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.transport.observe.CallObserver;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.tls.TlsSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Optional parts of a {@link RpcServer}, beyond its address and methods. Immutable; build with
 * {@link #builder()}.
 *
 * <pre>{@code
 * RpcServer.start(system, address, registry, ServerOptions.builder().admission(limits).build());
 * }</pre>
 */
public final class ServerOptions {

    /** No admission control: every call and connection is taken. */
    public static final ServerOptions DEFAULT = builder().build();

    private final CallAdmission admission;
    private final ActorOwner owner;
    private final CallObserver observer;
    private final TlsSettings.Server tls;
    private final List<ServerInterceptor> interceptors;

    private ServerOptions(Builder builder) {
        this.admission = builder.admission;
        this.owner = builder.owner;
        this.observer = builder.observer;
        this.tls = builder.tls;
        this.interceptors = List.copyOf(builder.interceptors);
    }

    /** A builder with every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Decides which calls and connections the server takes; default {@link CallAdmission#unlimited()}. */
    public CallAdmission admission() {
        return admission;
    }

    /**
     * The owner the server's actors live under (a node's), or {@code null} (the default) for an owner
     * of the server's own, closed when the server has shut down.
     */
    public ActorOwner owner() {
        return owner;
    }

    /** Who watches the server's calls and connections; default {@link CallObserver#NONE}. */
    public CallObserver observer() {
        return observer;
    }

    /**
     * The port's TLS, or {@code null} (the default) to read it from {@code skein.tls.server} of the actor
     * system's configuration.
     */
    public TlsSettings.Server tls() {
        return tls;
    }

    /** The interceptors every call passes before it is decoded, in order; none by default. */
    public List<ServerInterceptor> interceptors() {
        return interceptors;
    }

    @Override
    public String toString() {
        return "ServerOptions{admission=" + admission + (owner == null ? "" : ", owner=" + owner)
                + (tls == null ? "" : ", tls=" + tls.mode()) + (interceptors.isEmpty() ? "" : ", interceptors=" + interceptors)
                + '}';
    }

    /** Builds {@link ServerOptions}. */
    public static final class Builder {
        private CallAdmission admission = CallAdmission.unlimited();
        private ActorOwner owner;
        private CallObserver observer = CallObserver.NONE;
        private TlsSettings.Server tls;
        private final List<ServerInterceptor> interceptors = new ArrayList<>();

        private Builder() {
        }

        /** Who watches the server's calls (started and refused) and connections: metrics, tracing, logs. */
        public Builder observer(CallObserver observer) {
            this.observer = requireNonNull(observer, "observer");
            return this;
        }

        /** The owner the server's actors (server, connections) live under, e.g. its node's. */
        public Builder owner(ActorOwner owner) {
            this.owner = requireNonNull(owner, "owner");
            return this;
        }

        /** The admission control for calls and connections (server limits). */
        public Builder admission(CallAdmission admission) {
            this.admission = requireNonNull(admission, "admission");
            return this;
        }

        /** The port's TLS (instead of {@code skein.tls.server} from the configuration). */
        public Builder tls(TlsSettings.Server tls) {
            this.tls = requireNonNull(tls, "tls");
            return this;
        }

        /** Adds an interceptor every call passes before it is decoded, after those added before. */
        public Builder interceptor(ServerInterceptor interceptor) {
            interceptors.add(requireNonNull(interceptor, "interceptor"));
            return this;
        }

        public ServerOptions build() {
            return new ServerOptions(this);
        }
    }
}
