/**
 * The README's code, compiled so it stays true.
 */
package io.skein.examples.readme;
