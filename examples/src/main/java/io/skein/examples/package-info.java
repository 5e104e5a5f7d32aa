/**
 * The {@code skein} command line ({@link io.skein.examples.Main}) and the demo.
 */
package io.skein.examples;
