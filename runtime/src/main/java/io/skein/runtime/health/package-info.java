/** gRPC's health checking protocol ({@code grpc.health.v1.Health}) served by every node. */
package io.skein.runtime.health;
