/**
 * Owners and supervision of Skein's infrastructure actors (see DESIGN.md, "Failure model").
 *
 * <p>An {@link io.skein.transport.supervision.ActorOwner} is the parent of one subtree: a client
 * channel's connection pool and its connection actors, a server's actor and its connection actors, a
 * governed client channel's breakers, retry budgets and concurrency limiter, or a node's server
 * limits. It spawns each child supervised as {@link io.skein.transport.supervision.SupervisionSettings}
 * ({@code skein.supervision}) says (restart with backoff, never given up on) and stops the whole
 * subtree in one step when it is closed. An object the call path uses (a pool, a breaker, a budget,
 * a limiter) keeps an {@link io.skein.transport.supervision.OwnedActor} to talk to its actor, and
 * keeps the state the call path reads in itself, published by the actor; a restarted actor resumes
 * from that state, so the call path never notices a crash and never waits for an actor.
 * {@link io.skein.transport.supervision.FailureInjection} is the tests' way to make one throw.
 */
package io.skein.transport.supervision;
