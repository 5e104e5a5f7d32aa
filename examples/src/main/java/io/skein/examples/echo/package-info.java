/**
 * The Echo service of {@code echo.proto}, implemented as a typed actor.
 */
package io.skein.examples.echo;
