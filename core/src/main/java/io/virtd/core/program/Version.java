package io.virtd.core.program;

/** The version the build wrote into the program's jar ({@code Implementation-Version}). */
public final class Version {
  private Version() {}

  /** The version, or {@code dev} when run from classes rather than a built jar. */
  public static String get() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
