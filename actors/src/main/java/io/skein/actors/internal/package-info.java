/**
 * Internals of the service model: binding a definition to actors, the per-method handler that sends calls to the actor, and the guard that fails a call whose handler crashed. Not API.
 */
package io.skein.actors.internal;
