/**
 * gRPC server reflection: the service every node serves by default ({@link io.skein.runtime.reflection.ReflectionService})
 * and a client that builds descriptors from a server's answers ({@link io.skein.runtime.reflection.ReflectionClient}).
 */
package io.skein.runtime.reflection;
