/**
 * Generic command-line pieces: argument parsing and the JSON {@code call} command over protobuf descriptors.
 */
package io.skein.runtime.cli;
