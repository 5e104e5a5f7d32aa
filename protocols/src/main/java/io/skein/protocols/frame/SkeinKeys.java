package io.skein.protocols.frame;

/**
 * The TTHeader keys Skein adds for its own frames. Kitex's integer keys end at 25
 * ({@link io.skein.protocols.ttheader.IntKey#LB_TYPE}); Skein's live at {@code 0xE000} and up, where a
 * Kitex peer neither writes nor interprets anything. A frame without {@link #FRAME_TYPE} is a Kitex
 * PingPong message (a unary call); every value is decimal ASCII unless said otherwise.
 */
public final class SkeinKeys {

    /** INTKV: the Skein frame type, one of the {@code TYPE_*} values. */
    public static final int FRAME_TYPE = 0xE000;
    /** INTKV: the call kind of a StreamOpen ({@code 0} unary, {@code 1} server streaming,
     *  {@code 2} client streaming, {@code 3} bidi). */
    public static final int CALL_KIND = 0xE001;
    /** INTKV: initial credits of a StreamOpen, granted credits of a StreamCredit. */
    public static final int CREDITS = 0xE002;
    /** INTKV: the canonical status code of a StreamTrailers or StreamReset. */
    public static final int STATUS_CODE = 0xE003;
    /** INTKV (UTF-8 text): the status message, reset reason or go-away reason; omitted when empty. */
    public static final int MESSAGE = 0xE004;
    /** INTKV: the last stream id (unsigned) a GoAway still serves. */
    public static final int LAST_STREAM_ID = 0xE005;

    /**
     * STRKV on a failed unary response (an Exception, or a Reply with a Kitex business status): the
     * canonical status code, decimal. Visible to Kitex as a backward value; tells a Skein client that
     * the peer is Skein and the code exact.
     */
    public static final String STATUS = "skein-status";

    public static final int TYPE_STREAM_OPEN = 1;
    public static final int TYPE_STREAM_HEADERS = 2;
    public static final int TYPE_STREAM_MESSAGE = 3;
    public static final int TYPE_STREAM_HALF_CLOSE = 4;
    public static final int TYPE_STREAM_TRAILERS = 5;
    public static final int TYPE_STREAM_RESET = 6;
    public static final int TYPE_STREAM_CREDIT = 7;
    public static final int TYPE_GO_AWAY = 8;

    private SkeinKeys() {
    }
}
