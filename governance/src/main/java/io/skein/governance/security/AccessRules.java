package io.skein.governance.security;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.Principal;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who may call which method, from {@code skein.security.authorization}. A rule names methods
 * ({@code "pkg.Svc/Method"}, {@code "pkg.Svc/*"} or {@code "*"}) and says who is allowed and who is
 * denied; for a call the most specific rule decides (the method's own, else its service's, else
 * {@code "*"}), and a method no rule names falls to {@code default}.
 *
 * <p>A rule, in order: a principal in {@code deny-principals} or holding a role in {@code deny-roles} is
 * refused PERMISSION_DENIED; an anonymous call is let through when {@code allow-anonymous}, else refused
 * UNAUTHENTICATED; with neither {@code principals} nor {@code roles} listed any authenticated principal
 * is allowed; otherwise the principal must be listed (or {@code "*"} be) or hold a listed role, else
 * PERMISSION_DENIED. Immutable, thread-safe.
 */
public final class AccessRules {

    /** What happens to a method no rule names. */
    public enum Default {
        /** Every call, anonymous or not. */
        ALLOW,
        /** Any authenticated principal; anonymous calls are refused UNAUTHENTICATED. */
        AUTHENTICATED,
        /** No call: refused PERMISSION_DENIED (UNAUTHENTICATED when anonymous). */
        DENY
    }

    /** One rule; see the class comment for how it decides. */
    public record Rule(List<String> methods, boolean allowAnonymous, Set<String> principals, Set<String> roles,
                       Set<String> denyPrincipals, Set<String> denyRoles) {
        public Rule {
            methods = List.copyOf(methods);
            principals = Set.copyOf(principals);
            roles = Set.copyOf(roles);
            denyPrincipals = Set.copyOf(denyPrincipals);
            denyRoles = Set.copyOf(denyRoles);
            if (methods.isEmpty()) {
                throw new IllegalArgumentException("skein.security.authorization.rules: a rule needs methods");
            }
        }

        static Rule fromConfig(Config c) {
            return new Rule(c.getStringList("methods"), c.hasPath("allow-anonymous") && c.getBoolean("allow-anonymous"),
                    set(c, "principals"), set(c, "roles"), set(c, "deny-principals"), set(c, "deny-roles"));
        }

        private static Set<String> set(Config c, String key) {
            return c.hasPath(key) ? Set.copyOf(c.getStringList(key)) : Set.of();
        }
    }

    private static final Rule AUTHENTICATED_RULE = new Rule(List.of("*"), false, Set.of(), Set.of(), Set.of(), Set.of());

    private final Map<String, Rule> byPattern;
    private final Default fallback;

    public AccessRules(List<Rule> rules, Default fallback) {
        this.fallback = requireNonNull(fallback, "fallback");
        Map<String, Rule> map = new HashMap<>();
        for (Rule rule : rules) {
            for (String pattern : rule.methods()) {
                if (!pattern.equals("*") && !pattern.contains("/")) {
                    throw new IllegalArgumentException("skein.security.authorization.rules: method pattern '" + pattern
                            + "' is none of pkg.Svc/Method, pkg.Svc/* or *");
                }
                if (map.put(pattern, rule) != null) {
                    throw new IllegalArgumentException("skein.security.authorization.rules name '" + pattern + "' twice");
                }
            }
        }
        this.byPattern = Map.copyOf(map);
    }

    /** From {@code skein.security.authorization}: {@code default} and {@code rules}. */
    public static AccessRules fromConfig(Config authorization) {
        return new AccessRules(authorization.getConfigList("rules").stream().map(Rule::fromConfig).toList(),
                Default.valueOf(authorization.getString("default").trim().toUpperCase(Locale.ROOT)));
    }

    /**
     * Whether {@code principal} (or an anonymous caller, {@code null}) may call {@code method}
     * ({@code pkg.Svc/Method}): {@code null} when allowed, else the refusal.
     */
    public Status check(String method, Principal principal) {
        Rule rule = byPattern.get(method);
        if (rule == null) {
            int slash = method.indexOf('/');
            rule = slash < 0 ? null : byPattern.get(method.substring(0, slash + 1) + "*");
        }
        if (rule == null) {
            rule = byPattern.get("*");
        }
        if (rule == null) {
            switch (fallback) {
                case ALLOW:
                    return null;
                case AUTHENTICATED:
                    rule = AUTHENTICATED_RULE;
                    break;
                default:
                    return principal == null ? unauthenticated(method)
                            : Status.of(StatusCode.PERMISSION_DENIED, "no rule allows " + method);
            }
        }
        return decide(rule, method, principal);
    }

    private static Status decide(Rule rule, String method, Principal principal) {
        if (principal == null) {
            return rule.allowAnonymous() ? null : unauthenticated(method);
        }
        if (rule.denyPrincipals().contains(principal.name()) || principal.roles().stream().anyMatch(rule.denyRoles()::contains)) {
            return denied(principal, method);
        }
        if (rule.principals().isEmpty() && rule.roles().isEmpty()) {
            return null;
        }
        if (rule.principals().contains("*") || rule.principals().contains(principal.name())
                || principal.roles().stream().anyMatch(rule.roles()::contains)) {
            return null;
        }
        return denied(principal, method);
    }

    private static Status unauthenticated(String method) {
        return Status.of(StatusCode.UNAUTHENTICATED, method + " requires authentication; the call carried no credentials");
    }

    private static Status denied(Principal principal, String method) {
        return Status.of(StatusCode.PERMISSION_DENIED, "principal '" + principal.name() + "' may not call " + method);
    }
}
