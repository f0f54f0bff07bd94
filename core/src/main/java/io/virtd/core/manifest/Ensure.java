package io.virtd.core.manifest;

/** The run state a manifest asks for. */
public enum Ensure {
  RUNNING,
  STOPPED,
  INSTALLED,
  ABSENT;

  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public String toString() {
    return key();
  }
}
