package io.skein.protocols.kitex;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.ttheader.StrKey;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A Kitex business status error ({@code kerrors.BizStatusError}): an application-defined {@code int32}
 * code, a message and extra string fields. Over TTHeader a Kitex server sends it on a Reply as the
 * STRKV keys {@link StrKey#BIZ_STATUS biz-status} (decimal), {@link StrKey#BIZ_MESSAGE biz-message} and,
 * when there are extra fields, {@link StrKey#BIZ_EXTRA biz-extra} (a JSON object of strings); a Kitex
 * client turns a non-zero {@code biz-status} into the error ({@code pkg/transmeta/ttheader.go},
 * {@code ParseBizStatusErr}).
 *
 * <p>A Skein client that calls a Kitex server gets such an error as a {@link Status} ({@link #toStatus})
 * and finds the three keys, verbatim, in the call's response metadata: {@link #fromMetadata} reads them
 * back. {@code docs/protocol.md} §3 has the whole mapping.
 *
 * @param code    the business code; never 0 (0 means no error)
 * @param message the business message
 * @param extra   the extra fields, in the order they were given (unmodifiable)
 */
public record KitexBizStatus(int code, String message, Map<String, String> extra) {

    /** Checks the fields and freezes {@code extra}. */
    public KitexBizStatus {
        if (code == 0) {
            throw new IllegalArgumentException("a Kitex business status code is never 0 (0 means no error)");
        }
        requireNonNull(message, "message");
        extra = extra == null || extra.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /**
     * The business status a Kitex peer sent, read from the transient response metadata of a call:
     * empty unless {@code biz-status} is a non-zero 32-bit decimal (Kitex ignores anything else).
     *
     * @throws IllegalArgumentException when {@code biz-extra} is not a JSON object of strings (a Kitex
     *                                  client fails the call in that case)
     */
    public static Optional<KitexBizStatus> fromMetadata(Metadata metadata) {
        Map<String, String> values = requireNonNull(metadata, "metadata").transientValues();
        int code = parseCode(values.get(StrKey.BIZ_STATUS));
        if (code == 0) {
            return Optional.empty();
        }
        String message = values.getOrDefault(StrKey.BIZ_MESSAGE, "");
        String extra = values.get(StrKey.BIZ_EXTRA);
        return Optional.of(new KitexBizStatus(code, message,
                extra == null || extra.isEmpty() ? Map.of() : extraFromJson(extra)));
    }

    /**
     * A {@code biz-status} value as Kitex reads it ({@code strconv.ParseInt(v, 10, 32)}): the code, or
     * 0 (no error) when the value is absent or not a 32-bit decimal.
     */
    public static int parseCode(String value) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The canonical code of a business code: a code from 1 to 16 is the canonical code of that number
     * (what Skein sends: its status code); any other is {@code UNKNOWN}, gRPC's code for a code outside
     * its space, as {@link StatusCode#fromValue} reads one.
     */
    public static StatusCode toStatusCode(int code) {
        return code >= 1 && code <= 16 ? StatusCode.fromValue(code) : StatusCode.UNKNOWN;
    }

    /** The Skein status of this business status: {@link #toStatusCode}, with the business message. */
    public Status toStatus() {
        return Status.of(toStatusCode(code), message);
    }

    // ---------------------------------------------------------------- biz-extra JSON

    /**
     * {@code extra} as the JSON object Kitex sends in {@code biz-extra}: string keys and values, in
     * map order, escaped as Kitex's encoder (sonic with {@code EscapeHTML}, like Go's
     * {@code encoding/json}) escapes them: {@code "} and {@code \} with a backslash, {@code \n \r \t}
     * short, other control characters and {@code < > &} as {@code \}{@code u00XX}, U+2028 and U+2029
     * as {@code \}{@code u2028}/{@code \}{@code u2029}, an unpaired surrogate as {@code \}{@code ufffd}.
     */
    public static String extraToJson(Map<String, String> extra) {
        StringBuilder sb = new StringBuilder(16 + 16 * extra.size());
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            appendString(sb, e.getKey());
            sb.append(':');
            appendString(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        sb.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF])
                                .append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
                    } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        sb.append("\\ufffd");
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * Parses a {@code biz-extra} value: a JSON object whose values are strings ({@code null} values
     * read as empty strings, a top-level {@code null} as no fields), what Kitex's
     * {@code utils.JSONStr2Map} accepts. Later duplicates of a key win.
     *
     * @throws IllegalArgumentException when the text is not such an object
     */
    public static Map<String, String> extraFromJson(String json) {
        return new JsonReader(requireNonNull(json, "json")).object();
    }

    private static final class JsonReader {
        private final String s;
        private int pos;

        JsonReader(String s) {
            this.s = s;
        }

        Map<String, String> object() {
            Map<String, String> map = new LinkedHashMap<>();
            char c = next();
            if (c == 'n') {
                literal("null");
                end();
                return map;
            }
            if (c != '{') {
                throw error("expected '{'");
            }
            pos++;
            if (next() == '}') {
                pos++;
                end();
                return map;
            }
            while (true) {
                if (next() != '"') {
                    throw error("expected a string key");
                }
                String key = string();
                if (next() != ':') {
                    throw error("expected ':'");
                }
                pos++;
                String value;
                if (next() == 'n') {
                    literal("null");
                    value = "";
                } else if (next() == '"') {
                    value = string();
                } else {
                    throw error("expected a string value");
                }
                map.put(key, value);
                c = next();
                pos++;
                if (c == '}') {
                    end();
                    return map;
                }
                if (c != ',') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        /** The next character that is not JSON whitespace, without consuming it; 0 at the end. */
        private char next() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return c;
                }
                pos++;
            }
            return 0;
        }

        private void end() {
            if (next() != 0) {
                throw error("unexpected text after the object");
            }
        }

        private void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
        }

        private String string() {
            pos++; // the opening quote
            StringBuilder sb = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    break;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("truncated \\u escape");
                        }
                        int v = 0;
                        for (int end = pos + 4; pos < end; pos++) {
                            int d = Character.digit(s.charAt(pos), 16);
                            if (d < 0) {
                                throw error("bad \\u escape");
                            }
                            v = v << 4 | d;
                        }
                        sb.append((char) v);
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
            throw error("unterminated string");
        }

        /** One line: the text is shown abbreviated, with control characters escaped. */
        private IllegalArgumentException error(String what) {
            StringBuilder shown = new StringBuilder();
            for (int i = 0, n = Math.min(s.length(), 80); i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                    shown.append(String.format("\\u%04x", (int) c));
                } else {
                    shown.append(c);
                }
            }
            if (s.length() > 80) {
                shown.append("...");
            }
            return new IllegalArgumentException("biz-extra is not a JSON object of strings (" + what
                    + " at offset " + Math.min(pos, s.length()) + "): " + shown);
        }
    }
}
