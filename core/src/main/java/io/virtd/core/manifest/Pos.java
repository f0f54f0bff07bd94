package io.virtd.core.manifest;

/** A 1-based line and column in a source file. */
public record Pos(int line, int col) {
  public static final Pos START = new Pos(1, 1);

  @Override
  public String toString() {
    return line + ":" + col;
  }
}
