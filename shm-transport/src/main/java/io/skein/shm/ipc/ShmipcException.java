package io.skein.shm.ipc;

/**
 * A Shmipc session cannot go on: the peer broke the protocol (a corrupt queue, an offset outside the
 * buffer region, an unknown event) or shared memory could not be set up. The session closes with this
 * message as its reason.
 */
public class ShmipcException extends RuntimeException {

    public ShmipcException(String message) {
        super(message);
    }

    public ShmipcException(String message, Throwable cause) {
        super(message, cause);
    }
}
