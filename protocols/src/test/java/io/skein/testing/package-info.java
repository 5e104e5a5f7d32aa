/**
 * Test helpers shared by every module through this module's test-jar: Netty leak detection that
 * fails the build, and bounded waiting ({@link io.skein.testing.Await}) instead of sleeps.
 */
package io.skein.testing;
