package io.virtd.openvz;

import io.virtd.core.spi.DriverException;

/** Runs one {@code vzctl}/{@code vzlist} command; tests substitute a recording fake. */
@FunctionalInterface
public interface VzRunner {
  /**
   * Runs {@code cmd} to completion.
   *
   * @throws DriverException UNAVAILABLE when the program cannot be started, TRANSIENT when it
   *     outlives its timeout (it is killed); a non-zero exit is returned, not thrown
   */
  VzResult run(VzCommand cmd) throws DriverException;
}
