package io.virtd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An IT's own directory below {@code /var/lib/virtd-test}, named by its prefix: manifests in {@code
 * m}, a {@code virtd.yaml} whose locks and images stay below it, and the clean-up that leaves
 * nothing of the test behind on the shared libvirtd.
 */
final class ItRoot {
  private ItRoot() {}

  /** The directory of the test whose objects are named with {@code prefix}. */
  static Path of(String prefix) {
    return Path.of("/var/lib/virtd-test", prefix);
  }

  /**
   * Makes {@code root/m} and opens {@code root} and its parents up to {@code /var/lib} to all (qemu
   * runs as another user and must reach the images).
   *
   * @return the manifest directory
   */
  static Path create(Path root) throws IOException {
    Path manifests = Files.createDirectories(root.resolve("m"));
    for (Path p = root; p != null && !p.equals(Path.of("/var/lib")); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return manifests;
  }

  /**
   * Writes {@code root/virtd.yaml}: {@code keys} (YAML lines, {@code owner} at least) with {@code
   * lock_dir} and {@code storage_dir} below {@code root}.
   */
  static Path config(Path root, String keys) throws IOException {
    Path config = root.resolve("virtd.yaml");
    Files.writeString(
        config,
        keys
            + "lock_dir: %s\nstorage_dir: %s\n"
                .formatted(root.resolve("locks"), root.resolve("images")));
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
    return config;
  }

  /** Removes the guests named with {@code prefix}, the pools under {@code root}, then it. */
  static void remove(String prefix, Path root) throws IOException {
    try {
      if (Virsh.available()) {
        Virsh.removeAll(prefix);
        Virsh.removePoolsUnder(root);
      }
    } finally {
      if (Files.exists(root)) {
        try (Stream<Path> s = Files.walk(root)) {
          for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
  }
}
