package io.skein.protocols.ttheader;

/**
 * Well-known keys of TTHeader's {@link TTHeader#INFO_STRKV} section, as Kitex uses them
 * ({@code pkg/remote/transmeta/metakey.go}, {@code pkg/transmeta/ttheader.go}), and the key prefixes of
 * Kitex's metainfo ({@code github.com/bytedance/gopkg/cloud/metainfo}).
 */
public final class StrKey {

    /** The IDL service name of the call ({@code HeaderIDLServiceName}). */
    public static final String IDL_SERVICE_NAME = "isn";
    /** The caller's address as a proxy saw it. */
    public static final String REMOTE_ADDR = "rip";
    public static final String TO_CLUSTER = "tc";
    public static final String TO_IDC = "ti";
    /** Sent back when the server will close the connection soon. */
    public static final String CONNECTION_READY_TO_RESET = "crrst";
    public static final String PROCESS_AT_TIME = "K_ProcessAtTime";
    /** CRC32C of the payload, when Kitex's payload validation is on. */
    public static final String CRC32C = "crc32c";

    /** A Kitex business status code, decimal; a non-zero value makes a Reply an error. */
    public static final String BIZ_STATUS = "biz-status";
    /** The message of a Kitex business status. */
    public static final String BIZ_MESSAGE = "biz-message";
    /** Extra fields of a Kitex business status, as a JSON object. */
    public static final String BIZ_EXTRA = "biz-extra";

    /** Metainfo prefix of values that travel one hop. */
    public static final String PREFIX_TRANSIENT = "RPC_TRANSIT_";
    /** Metainfo prefix of values that travel the whole call chain. */
    public static final String PREFIX_PERSISTENT = "RPC_PERSIST_";

    /** The key Kitex gives the {@link TTHeader#INFO_ACL_TOKEN} section's value. */
    public static final String GDPR_TOKEN = PREFIX_TRANSIENT + "gdpr-token";

    private StrKey() {
    }
}
