package io.virtd.libvirt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where JNA looks for {@code libvirt.so.0}. Unless told ({@code jna.platform.library.path}), JNA
 * asks {@code /sbin/ldconfig -p} on Linux, a child process on every {@code virtctl} start. When
 * libvirt is in one of the usual directories the search path is set to them instead; otherwise
 * (libvirt installed elsewhere, or the property already given) JNA searches as it always does.
 */
final class LibraryPath {
  static final String PROPERTY = "jna.platform.library.path";
  static final String LIBRARY = "libvirt.so.0";

  private LibraryPath() {}

  /** Sets {@link #PROPERTY} when it is unset and libvirt is found in a usual directory. */
  static void preset() {
    if (System.getProperty(PROPERTY) != null
        || !System.getProperty("os.name", "").startsWith("Linux")) {
      return;
    }
    searchPath(System.getProperty("os.arch", ""), dir -> Files.isRegularFile(dir.resolve(LIBRARY)))
        .ifPresent(p -> System.setProperty(PROPERTY, p));
  }

  /**
   * The usual library directories for a JVM of this {@code os.arch}, joined with ':', when one of
   * them holds libvirt ({@code hasLibvirt}); empty when none does.
   */
  static Optional<String> searchPath(String osArch, Predicate<Path> hasLibvirt) {
    List<String> dirs = new ArrayList<>();
    multiarch(osArch)
        .ifPresent(
            triplet -> {
              dirs.add("/usr/lib/" + triplet);
              dirs.add("/lib/" + triplet);
            });
    dirs.addAll(List.of("/usr/lib64", "/lib64", "/usr/lib", "/lib"));
    if (dirs.stream().map(Path::of).noneMatch(hasLibvirt)) {
      return Optional.empty();
    }
    return Optional.of(String.join(":", dirs));
  }

  private static Optional<String> multiarch(String osArch) {
    return Optional.ofNullable(
        switch (osArch) {
          case "amd64", "x86_64" -> "x86_64-linux-gnu";
          case "aarch64" -> "aarch64-linux-gnu";
          case "ppc64le" -> "powerpc64le-linux-gnu";
          case "s390x" -> "s390x-linux-gnu";
          default -> null;
        });
  }
}
