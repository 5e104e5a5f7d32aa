package io.skein.protocols;

/**
 * gRPC's 17 canonical status codes: the one status model every Skein protocol maps onto.
 * The numeric values are the wire values of gRPC and of Skein's native protocol.
 */
public enum StatusCode {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    FAILED_PRECONDITION(9),
    ABORTED(10),
    OUT_OF_RANGE(11),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private static final StatusCode[] BY_VALUE = values();

    private final int value;

    StatusCode(int value) {
        this.value = value;
    }

    /** The numeric code carried on the wire. */
    public int value() {
        return value;
    }

    /** The code for a wire value; unknown values map to {@link #UNKNOWN}, as gRPC specifies. */
    public static StatusCode fromValue(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
    }
}
