package io.virtd.core.spi;

/** How a change to one field reaches the guest. */
public enum Mutability {
  /** Applied to the running guest and to its persistent definition now. */
  LIVE("live"),
  /**
   * Written to the persistent definition only; in effect at next boot (or at once, for metadata).
   */
  CONFIG("config"),
  /** Written to the persistent definition; a running guest must restart to get it. */
  RESTART("restart required"),
  /** Only a new guest can have it: the guest must be re-created. */
  REPLACE("recreate required"),
  /** The driver cannot change it at all. */
  UNSUPPORTED("unsupported");

  private final String label;

  Mutability(String label) {
    this.label = label;
  }

  /** The words plans print in parentheses after a change. */
  public String label() {
    return label;
  }
}
