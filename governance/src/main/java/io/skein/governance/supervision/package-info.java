/**
 * Owners and supervision of governance's infrastructure actors (see DESIGN.md, "Failure model").
 *
 * <p>An {@link io.skein.governance.supervision.ActorOwner} is the parent of one subtree: a governed
 * client channel's breakers, retry budgets and concurrency limiter, or a node's server limits. It
 * spawns each child supervised as {@link io.skein.governance.supervision.SupervisionSettings}
 * ({@code skein.supervision}) says (restart with backoff, never given up on) and stops the whole
 * subtree in one step when it is closed. A policy object (a breaker, a budget, a limiter) keeps an
 * {@link io.skein.governance.supervision.OwnedActor} to talk to its actor, and keeps the state the
 * call path reads in itself, published by the actor; a restarted actor resumes from that published
 * state, so the call path never notices a crash and never waits for an actor.
 */
package io.skein.governance.supervision;
