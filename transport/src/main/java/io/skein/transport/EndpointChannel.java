package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.CallStreamStage;
import io.skein.transport.internal.call.ClientUnaryCall;
import io.skein.transport.internal.connection.ClientProtocol;
import io.skein.transport.internal.connection.EndpointPool;
import io.skein.transport.internal.grpc.GrpcClientProtocol;
import io.skein.transport.internal.nativeproto.KitexClientProtocol;
import io.skein.transport.internal.nativeproto.NativeClientProtocol;
import io.skein.transport.observe.CallObserver;
import io.skein.transport.observe.CallObservers;
import io.skein.transport.internal.tls.TlsClientContexts;
import io.skein.transport.internal.tls.TlsClientProtocol;
import io.skein.transport.tls.TlsSettings;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A client of one endpoint in one wire protocol, with a small pool of multiplexed connections
 * ({@code skein.client.connections-per-endpoint}) opened on first use and replaced when lost.
 * {@link #create} speaks Skein's native protocol to a Skein server ({@code skein://}), {@link #kitex}
 * TTHeader + Kitex Protobuf to a Kitex server ({@code kitex://}), {@link #grpc} gRPC over HTTP/2 to
 * any gRPC server, a Skein server's gRPC side included ({@code grpc://}). The overloads taking
 * {@link TlsSettings.Client} speak the same protocols over TLS ({@code skeins://}, {@code grpcs://}).
 *
 * <p>A unary call's future completes on the I/O thread that read the answer unless the call's
 * {@link CallOptions#withExecutor executor} says otherwise; its deadline starts when the call is made,
 * so waiting for a connection counts against it.
 */
public final class EndpointChannel implements ClientChannel {

    private final EndpointPool pool;
    private final NettyResources resources;
    private final ClientProtocol protocol;
    private final CallObserver observer;

    private EndpointChannel(NettyResources resources, SocketAddress address, ClientProtocol protocol) {
        this.resources = resources;
        this.protocol = protocol;
        this.observer = CallObservers.of(resources.system());
        this.pool = new EndpointPool(resources, address, protocol, observer);
    }

    /** A channel to the Skein server at {@code address} (native protocol); connects lazily. */
    public static EndpointChannel create(ActorSystem<?> system, InetSocketAddress address) {
        return of(system, address, new NativeClientProtocol());
    }

    /** A channel to {@code host:port} in the native protocol; connects lazily. */
    public static EndpointChannel create(ActorSystem<?> system, String host, int port) {
        return create(system, new InetSocketAddress(requireNonNull(host, "host"), port));
    }

    /**
     * A channel to a Kitex server speaking TTHeader + Kitex Protobuf ({@code kitex://host:port}):
     * unary calls only, and never a frame Kitex does not know (a cancelled or expired call is
     * abandoned locally; the server applies the deadline it received). Streaming calls fail with
     * {@code UNIMPLEMENTED}.
     */
    public static EndpointChannel kitex(ActorSystem<?> system, InetSocketAddress address) {
        return of(system, address, new KitexClientProtocol());
    }

    /**
     * A channel to a gRPC server ({@code grpc://host:port}): gRPC over HTTP/2 in cleartext with prior
     * knowledge, every call kind, with HTTP/2 flow control opened only as responses are consumed.
     */
    public static EndpointChannel grpc(ActorSystem<?> system, InetSocketAddress address) {
        return of(system, address, new GrpcClientProtocol());
    }

    /**
     * A channel to the Skein server at {@code address} in the native protocol over TLS ({@code skeins://}):
     * the server's certificate verified as {@code tls} says (CAs, host name), the client certificate
     * presented when {@code tls} has one. A failed handshake fails calls with UNAVAILABLE and its reason.
     *
     * @throws IllegalArgumentException when {@code tls}'s key material cannot be loaded
     */
    public static EndpointChannel create(ActorSystem<?> system, InetSocketAddress address, TlsSettings.Client tls) {
        return of(system, address, overTls(system, address, new NativeClientProtocol(), tls));
    }

    /**
     * A channel to a gRPC server over TLS ({@code grpcs://host:port}, ALPN h2), as {@link #grpc} otherwise.
     *
     * @throws IllegalArgumentException when {@code tls}'s key material cannot be loaded
     */
    public static EndpointChannel grpc(ActorSystem<?> system, InetSocketAddress address, TlsSettings.Client tls) {
        return of(system, address, overTls(system, address, new GrpcClientProtocol(), tls));
    }

    /**
     * A channel to a Kitex server over TLS ({@code kitexs://host:port}), as {@link #kitex} otherwise. Kitex
     * itself has no TLS option for TTHeader; this reaches a Kitex server given a TLS listener (see
     * docs/security.md).
     *
     * @throws IllegalArgumentException when {@code tls}'s key material cannot be loaded
     */
    public static EndpointChannel kitex(ActorSystem<?> system, InetSocketAddress address, TlsSettings.Client tls) {
        return of(system, address, overTls(system, address, new KitexClientProtocol(), tls));
    }

    private static ClientProtocol overTls(ActorSystem<?> system, InetSocketAddress address, ClientProtocol inner,
                                          TlsSettings.Client tls) {
        requireNonNull(system, "system");
        requireNonNull(address, "address");
        requireNonNull(tls, "tls");
        return new TlsClientProtocol(inner, tls,
                TlsClientContexts.get(system).context(tls, TlsClientProtocol.alpn(inner)), address);
    }

    /**
     * A channel speaking {@code protocol} to {@code address}: how transports in other modules (shared
     * memory) reuse the pool, the unary call and the stream stage. {@code protocol} is internal API.
     */
    @org.apache.pekko.annotation.InternalApi
    public static EndpointChannel of(ActorSystem<?> system, SocketAddress address, ClientProtocol protocol) {
        requireNonNull(system, "system");
        requireNonNull(address, "address");
        return new EndpointChannel(NettyResources.get(system), address, protocol);
    }

    /** The pool behind this channel (tests of supervision reach its actors through it). */
    EndpointPool pool() {
        return pool;
    }

    /** The endpoint's address (a TCP address, or a Unix socket for shared memory). */
    public SocketAddress address() {
        return pool.address();
    }

    /** The wire protocol this channel speaks ("skein", "kitex", "grpc", or over TLS "skeins", "kitexs", "grpcs"). */
    public String protocol() {
        return protocol.name();
    }

    /** Makes the unary call of {@code context}; the returned future is the call's own. */
    @Override
    public <Req, Resp> CallFuture<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                              ClientCallContext context) {
        requireNonNull(method, "method");
        requireNonNull(request, "request");
        requireNonNull(context, "context");
        return ClientUnaryCall.start(context, method, request, pool, protocol.maxMessageSize(resources.settings()),
                resources.group(), observer.clientAttempt(context, protocol.name()));
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        requireNonNull(method, "method");
        requireNonNull(options, "options");
        if (method.kind() == CallKind.UNARY) {
            throw new IllegalArgumentException(method.fullName() + " is unary; use unary()");
        }
        Status unsupported = protocol.unsupported(method.fullName(), method.kind(), pool.address());
        if (unsupported != null) {
            return Flow.fromSinkAndSource(Sink.cancelled(), Source.failed(unsupported.asException()));
        }
        return Flow.fromGraph(CallStreamStage.client(method.fullName(), method.kind(), method.requests(),
                method.responses(), options.metadata(), options.timeout(), options.responseMetadata(), pool,
                resources.settings().streamWindow(), options.compression(), options.messageCompression(),
                observer.clientStream(method, options, protocol.name())));
    }

    /** The observer installed for this channel's actor system when it was created. */
    @Override
    public CallObserver observer() {
        return observer;
    }

    @Override
    public CompletionStage<Done> closeAsync() {
        return pool.close();
    }

    @Override
    public String toString() {
        return "EndpointChannel(" + protocol.name() + "://" + pool.address() + ')';
    }
}
