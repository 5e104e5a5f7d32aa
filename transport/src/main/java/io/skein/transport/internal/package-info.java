/**
 * The transport's internals, by layer: {@code call} is the protocol-neutral call engine (stream events,
 * the server dispatcher, the client transport seam, unary calls and the stream stage);
 * {@code connection} owns connections' lifecycles (connection, server and pool actors, protocol
 * detection); {@code nativeproto} and {@code grpc} are the two wire protocols behind that seam; this
 * package holds the Netty resources they share. Not API. See {@code docs/architecture.md}.
 */
@InternalApi
package io.skein.transport.internal;

import org.apache.pekko.annotation.InternalApi;
