/**
 * What the two programs, {@code virtctl} and {@code virtd}, share about themselves: their version
 * and their logging (the {@code logback.xml} beside these classes and its {@code %safemsg}).
 */
package io.virtd.core.program;
