package io.virtd.core.spi;

/** A driver call that failed, classified once, in the driver, so callers can decide what to do. */
public class DriverException extends Exception {
  public enum Kind {
    /** May succeed if retried (locked, connection lost, timeout). */
    TRANSIENT,
    /** The guest does not exist. */
    NOT_FOUND,
    /** The guest is in a state that forbids the call, or someone else owns it. */
    CONFLICT,
    /** Will fail again until the input changes. */
    TERMINAL,
    /** The driver cannot run on this machine (no library, no tool, hypervisor unreachable). */
    UNAVAILABLE
  }

  private final Kind kind;

  public DriverException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public DriverException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
