/**
 * Connections' lifecycles, protocol-neutral: the connection actor (drain, close, info), the server
 * actor that owns a server's connections, the client pool of {@link io.skein.transport.internal.call.ClientTransport}s
 * to one endpoint, and the front door of an accepted socket ({@link io.skein.transport.internal.connection.ProtocolDetector}
 * choosing among the {@link io.skein.transport.internal.connection.ServerProtocol}s it was given), and
 * the orderly close of a connection ({@link io.skein.transport.internal.connection.OrderlyCloseHandler}). A
 * protocol plugs in by implementing {@link io.skein.transport.internal.connection.ServerProtocol} and
 * {@link io.skein.transport.internal.connection.ClientProtocol} in a package of its own. Not API.
 */
@InternalApi
package io.skein.transport.internal.connection;

import org.apache.pekko.annotation.InternalApi;
