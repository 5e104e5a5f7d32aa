package io.skein.governance.security;

/**
 * Credentials that are present but not valid (an unknown or malformed bearer token): the call is refused
 * with {@code UNAUTHENTICATED} and this exception's message, which therefore names no secret.
 */
public final class AuthenticationException extends RuntimeException {

    public AuthenticationException(String message) {
        super(message, null, false, false);
    }
}
