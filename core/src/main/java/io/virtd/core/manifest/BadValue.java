package io.virtd.core.manifest;

/** A value that does not fit its key; carries where it was written. */
public final class BadValue extends RuntimeException {
  private final transient Pos pos;

  public BadValue(Pos pos, String message) {
    super(message, null, false, false);
    this.pos = pos;
  }

  public Pos pos() {
    return pos;
  }
}
