package io.skein.transport;

import static java.util.Objects.requireNonNull;

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

    private ServerOptions(Builder builder) {
        this.admission = builder.admission;
    }

    /** A builder with every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Decides which calls and connections the server takes; default {@link CallAdmission#unlimited()}. */
    public CallAdmission admission() {
        return admission;
    }

    @Override
    public String toString() {
        return "ServerOptions{admission=" + admission + '}';
    }

    /** Builds {@link ServerOptions}. */
    public static final class Builder {
        private CallAdmission admission = CallAdmission.unlimited();

        private Builder() {
        }

        /** The admission control for calls and connections (server limits). */
        public Builder admission(CallAdmission admission) {
            this.admission = requireNonNull(admission, "admission");
            return this;
        }

        public ServerOptions build() {
            return new ServerOptions(this);
        }
    }
}
