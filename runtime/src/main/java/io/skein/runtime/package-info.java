/**
 * {@link io.skein.runtime.SkeinNode}: an actor system serving services on one port, with graceful shutdown.
 */
package io.skein.runtime;
