package io.skein.protocols.ttheader;

/**
 * The integer keys of TTHeader's {@link TTHeader#INFO_INTKV} section, as Kitex defines them
 * ({@code pkg/remote/transmeta/metakey.go}, an iota from 0). Values are strings; Kitex writes numbers
 * (timeouts in milliseconds, message types) as decimal ASCII.
 */
public final class IntKey {

    public static final int MESH_VERSION = 0;
    /** {@code "framed"} or {@code "unframed"}. */
    public static final int TRANSPORT_TYPE = 1;
    public static final int LOG_ID = 2;
    /** The caller's service name. */
    public static final int FROM_SERVICE = 3;
    public static final int FROM_CLUSTER = 4;
    public static final int FROM_IDC = 5;
    /** The callee's service name (its registry name, not the IDL service). */
    public static final int TO_SERVICE = 6;
    public static final int TO_CLUSTER = 7;
    public static final int TO_IDC = 8;
    /** The method name, short form ({@code Echo}). */
    public static final int TO_METHOD = 9;
    public static final int ENV = 10;
    public static final int DEST_ADDRESS = 11;
    /** The call's timeout in milliseconds, decimal. */
    public static final int RPC_TIMEOUT = 12;
    public static final int READ_TIMEOUT = 13;
    public static final int RING_HASH_KEY = 14;
    public static final int DDP_TAG = 15;
    public static final int WITH_MESH_HEADER = 16;
    public static final int CONNECT_TIMEOUT = 17;
    public static final int SPAN_CONTEXT = 18;
    public static final int SHORT_CONNECTION = 19;
    /** The caller's method name. */
    public static final int FROM_METHOD = 20;
    public static final int STRESS_TAG = 21;
    /** The Kitex message type, decimal (1 call, 2 reply, 3 exception, 4 oneway). */
    public static final int MSG_TYPE = 22;
    public static final int HTTP_CONTENT_TYPE = 23;
    public static final int RAW_RING_HASH_KEY = 24;
    public static final int LB_TYPE = 25;

    private IntKey() {
    }
}
