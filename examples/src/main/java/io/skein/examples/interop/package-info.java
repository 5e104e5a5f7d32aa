/**
 * gRPC interop: {@code grpc.testing.TestService} as a typed actor ({@link io.skein.examples.interop.TestServiceActor}),
 * gRPC's interop test cases over any client channel ({@link io.skein.examples.interop.InteropClient}) and the
 * {@code interop-client} command.
 */
package io.skein.examples.interop;
