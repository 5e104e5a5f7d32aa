package io.skein.governance.security;

import io.skein.transport.CallContext;
import io.skein.transport.Principal;

/**
 * Turns a call's credentials into a {@link Principal}: a bearer token in the metadata
 * ({@link BearerTokenAuthenticator}), the client's verified certificate under mutual TLS
 * ({@link TlsIdentityAuthenticator}), or whatever a user implements (an API key, a signed JWT checked
 * against cached keys). The {@link SecurityInterceptor} asks its authenticators in order; the first that
 * returns a principal names the caller.
 *
 * <p>Runs on the connection's I/O thread before the request is decoded: it must be quick and never
 * block (verify signatures locally, cache what a remote check would fetch).
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * The principal {@code call}'s credentials prove, or {@code null} when the call carries none this
     * authenticator knows (the next one is asked).
     *
     * @throws AuthenticationException when the call carries credentials of this kind that are not valid
     *                                 (the call is refused UNAUTHENTICATED with its message)
     */
    Principal authenticate(CallContext call);
}
