package io.skein.transport;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * Who is calling, as an authenticator proved it: a name, the roles it holds, and how it was proved.
 * Set on a call's {@link CallContext} by a {@link ServerInterceptor} before the request is decoded;
 * authorization rules and services read it from there. Immutable.
 *
 * @param name          the principal's name (a user, a service, a certificate's common name)
 * @param roles         the roles it holds, for rules that allow or deny by role
 * @param authenticator how it was authenticated ("bearer", "mtls", or a custom authenticator's name)
 */
public record Principal(String name, Set<String> roles, String authenticator) implements java.security.Principal {

    public Principal {
        requireNonNull(name, "name");
        roles = Set.copyOf(requireNonNull(roles, "roles"));
        requireNonNull(authenticator, "authenticator");
    }

    /** Whether the principal holds {@code role}. */
    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    @Override
    public String getName() {
        return name;
    }
}
