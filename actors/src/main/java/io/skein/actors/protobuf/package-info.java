/**
 * Protobuf glue: marshalling messages straight to and from Netty buffers, and finding generated classes and method descriptors from protobuf descriptors.
 */
package io.skein.actors.protobuf;
