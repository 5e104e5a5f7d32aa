package io.skein.governance.fallback;

import static java.util.Objects.requireNonNull;

import io.skein.governance.internal.Futures;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * A method's fallback (Kitex's fallback on RPC error or response): when the call fails (with any
 * status, or one of the given codes) or answers a response the predicate rejects, a function supplies
 * the answer instead. The function may itself throw a {@link io.skein.protocols.StatusException} to
 * fail the call its own way. A call the caller cancelled never falls back.
 *
 * <pre>{@code
 * Fallback<EchoRequest, EchoReply> fb = Fallback.<EchoRequest, EchoReply>onError(
 *         (req, status) -> EchoReply.newBuilder().setMessage("cached").build())
 *     .orOnResponse(reply -> reply.getMessage().isEmpty(), (req, reply) -> DEFAULT_REPLY);
 * }</pre>
 *
 * @param <Req>  the method's request type
 * @param <Resp> the method's response type
 */
public final class Fallback<Req, Resp> {

    private final Set<StatusCode> codes;
    private final BiFunction<Req, Status, Resp> onError;
    private final Predicate<Resp> rejects;
    private final BiFunction<Req, Resp, Resp> onResponse;

    private Fallback(Set<StatusCode> codes, BiFunction<Req, Status, Resp> onError, Predicate<Resp> rejects,
            BiFunction<Req, Resp, Resp> onResponse) {
        this.codes = codes;
        this.onError = onError;
        this.rejects = rejects;
        this.onResponse = onResponse;
    }

    /** Falls back on any failure. */
    public static <Req, Resp> Fallback<Req, Resp> onError(BiFunction<Req, Status, Resp> fallback) {
        return new Fallback<>(null, requireNonNull(fallback, "fallback"), null, null);
    }

    /** Falls back on failures with one of {@code codes}; other failures pass through. */
    public static <Req, Resp> Fallback<Req, Resp> onCodes(Set<StatusCode> codes, BiFunction<Req, Status, Resp> fallback) {
        requireNonNull(codes, "codes");
        return new Fallback<>(codes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(codes)),
                requireNonNull(fallback, "fallback"), null, null);
    }

    /** Falls back when a response matches {@code rejects}; failures pass through. */
    public static <Req, Resp> Fallback<Req, Resp> onResponse(Predicate<Resp> rejects, BiFunction<Req, Resp, Resp> fallback) {
        return new Fallback<>(Set.of(), null, requireNonNull(rejects, "rejects"), requireNonNull(fallback, "fallback"));
    }

    /** This fallback, plus falling back when a response matches {@code rejects}. */
    public Fallback<Req, Resp> orOnResponse(Predicate<Resp> rejects, BiFunction<Req, Resp, Resp> fallback) {
        return new Fallback<>(codes, onError, requireNonNull(rejects, "rejects"), requireNonNull(fallback, "fallback"));
    }

    /** Whether a failure with {@code code} falls back. */
    public boolean handles(StatusCode code) {
        return onError != null && code != StatusCode.CANCELLED && (codes == null || codes.contains(code));
    }

    /** The call's outcome with this fallback applied (cancel the call through its context). */
    public CompletionStage<Resp> apply(Req request, CompletionStage<Resp> call) {
        CompletableFuture<Resp> result = new CompletableFuture<>();
        call.whenComplete((value, failure) -> {
            try {
                if (failure == null) {
                    result.complete(rejects != null && rejects.test(value) ? onResponse.apply(request, value) : value);
                    return;
                }
                Status status = Status.fromThrowable(Futures.unwrap(failure));
                if (handles(status.code())) {
                    result.complete(onError.apply(request, status));
                } else {
                    result.completeExceptionally(Futures.unwrap(failure));
                }
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
