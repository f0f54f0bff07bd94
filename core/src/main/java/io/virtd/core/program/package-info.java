/**
 * What the two programs, {@code virtctl} and {@code virtd}, share about themselves: their version
 * and their logging ({@link io.virtd.core.program.LogSetup} and its {@code %safemsg}).
 */
package io.virtd.core.program;
