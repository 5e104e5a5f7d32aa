/**
 * Netty and Pekko internals of the transport: connection state and handlers, the call-stream stage that bridges a stream to Pekko Streams with credit flow control, connection, server and pool actors, protocol detection. Not API.
 */
package io.skein.transport.internal;
