package io.skein.benchmarks;

import com.google.protobuf.ByteString;
import io.skein.examples.echo.EchoRequest;

/** Shared inputs: the Echo request the load generator sends (1 KB payload by default). */
final class BenchData {

    static final String SAY = "skein.examples.echo.Echo/Say";
    static final String CHAT = "skein.examples.echo.Echo/Chat";

    private BenchData() {
    }

    /** An Echo request with {@code payloadBytes} bytes of payload, as the load generator builds it. */
    static EchoRequest echoRequest(int payloadBytes) {
        byte[] payload = new byte[payloadBytes];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        return EchoRequest.newBuilder().setMessage("bench").setPayload(ByteString.copyFrom(payload)).build();
    }
}
