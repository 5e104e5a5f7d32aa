/**
 * The {@code bench} command: a closed-loop load generator for the Echo service over any target
 * ({@link io.skein.examples.bench.LoadGenerator}) and its command line ({@link io.skein.examples.bench.BenchCommand}).
 */
package io.skein.examples.bench;
