package io.skein.transport.internal.tls;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import javax.net.ssl.SSLHandshakeException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

/** One-line descriptions of TLS failures for logs and call statuses (never a stack trace). */
public final class TlsErrors {

    private TlsErrors() {
    }

    /** What went wrong, in one line: the most telling message of {@code failure}'s causes. */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        String best = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            root = t;
            if (t instanceof CertificateExpiredException) {
                return "certificate expired (" + oneLine(t.getMessage()) + ")";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "certificate not yet valid (" + oneLine(t.getMessage()) + ")";
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "handshake timed out";
            }
            if (t instanceof NotSslRecordException) {
                return "not a TLS record";
            }
            if (t.getMessage() != null && (best == null || t instanceof SSLHandshakeException)) {
                best = t.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        String message = root.getMessage() != null && !(root instanceof SSLHandshakeException) ? root.getMessage() : best;
        return message == null ? root.getClass().getSimpleName() : oneLine(message);
    }

    private static String oneLine(String message) {
        String m = message == null ? "" : message.replaceAll("\\s+", " ").trim();
        // The JDK prefixes nested causes with their class names; keep the text only.
        int colon;
        while ((colon = m.indexOf(": ")) > 0 && m.substring(0, colon).matches("[\\w.$]+(Exception|Error)")) {
            m = m.substring(colon + 2);
        }
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }
}
