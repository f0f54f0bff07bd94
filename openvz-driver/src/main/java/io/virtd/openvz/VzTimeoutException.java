package io.virtd.openvz;

import io.virtd.core.spi.DriverException;

/**
 * A command outlived its timeout and was killed; transient, and for a stop the cue to force it off.
 */
public final class VzTimeoutException extends DriverException {
  public VzTimeoutException(String message) {
    super(Kind.TRANSIENT, message);
  }
}
