package io.skein.governance.security;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallContext;
import io.skein.transport.Principal;
import io.skein.transport.ServerInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication then authorization for every call, before its request is decoded: the authenticators
 * are asked in order and the first that recognises the call's credentials sets its
 * {@linkplain CallContext#principal() principal} (invalid credentials end the call UNAUTHENTICATED),
 * then the {@link AccessRules} decide (UNAUTHENTICATED for an anonymous call a rule does not let in,
 * PERMISSION_DENIED for a principal it does not allow). A {@code SkeinNode} installs it from
 * {@code skein.security} when {@code enabled}; on a bare {@code RpcServer} pass it with
 * {@code ServerOptions.Builder#interceptor}. Immutable, thread-safe; runs on I/O threads.
 */
public final class SecurityInterceptor implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(SecurityInterceptor.class);

    private final List<Authenticator> authenticators;
    private final AccessRules rules;

    public SecurityInterceptor(List<Authenticator> authenticators, AccessRules rules) {
        this.authenticators = List.copyOf(authenticators);
        this.rules = requireNonNull(rules, "rules");
    }

    /**
     * The interceptor {@code skein.security} describes, or {@code null} when it is not enabled.
     *
     * @throws IllegalArgumentException for a configuration that does not make sense (unknown
     *                                  authenticator, bad token entry, bad method pattern)
     */
    public static SecurityInterceptor fromConfig(Config config) {
        Config security = config.getConfig("skein.security");
        if (!security.getBoolean("enabled")) {
            return null;
        }
        List<Authenticator> authenticators = new ArrayList<>();
        for (String name : security.getStringList("authenticators")) {
            authenticators.add(switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "bearer" -> BearerTokenAuthenticator.fromConfig(security.getConfig("bearer"));
                case "mtls" -> TlsIdentityAuthenticator.fromConfig(security.getConfig("mtls"));
                default -> throw new IllegalArgumentException("skein.security.authenticators: unknown authenticator '"
                        + name + "' (bearer, mtls; add others in code with SkeinNode.Builder#interceptor)");
            });
        }
        return new SecurityInterceptor(authenticators, AccessRules.fromConfig(security.getConfig("authorization")));
    }

    /** A copy asking {@code authenticator} first, before those it has (a custom scheme). */
    public SecurityInterceptor withAuthenticatorFirst(Authenticator authenticator) {
        List<Authenticator> all = new ArrayList<>();
        all.add(requireNonNull(authenticator, "authenticator"));
        all.addAll(authenticators);
        return new SecurityInterceptor(all, rules);
    }

    @Override
    public Status intercept(CallContext call) {
        Principal principal = null;
        for (Authenticator authenticator : authenticators) {
            try {
                principal = authenticator.authenticate(call);
            } catch (AuthenticationException e) {
                log.debug("call {} from {} refused: {}", call.method(), call.peer().orElse(null), e.getMessage());
                return Status.of(StatusCode.UNAUTHENTICATED, e.getMessage());
            }
            if (principal != null) {
                call.setPrincipal(principal);
                break;
            }
        }
        Status refusal = rules.check(call.method(), principal);
        if (refusal != null) {
            log.debug("call {} from {} refused: {}", call.method(), call.peer().orElse(null), refusal);
        }
        return refusal;
    }

    @Override
    public String toString() {
        return "SecurityInterceptor" + authenticators;
    }
}
