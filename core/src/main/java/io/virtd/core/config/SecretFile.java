package io.virtd.core.config;

import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Files that hold secrets (a bearer token, a TLS private key): only their owner may read or write
 * them, and the path to them must be one root can trust (as for manifests).
 */
public final class SecretFile {
  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private SecretFile() {}

  /** Why {@code file} must not be used as a secret, or empty when it may. */
  public static Optional<String> refusal(Path file) {
    try {
      if (Files.getPosixFilePermissions(file).stream().anyMatch(OTHERS::contains)) {
        return Optional.of(
            file + " is readable or writable by group or others; run chmod 600 on it");
      }
    } catch (IOException e) {
      return Optional.of("cannot read " + file + ": " + e.getClass().getSimpleName());
    }
    return ManifestLoader.permissionProblem(file, ManifestLoader.Permissions.REFUSE)
        .map(Problem::message);
  }
}
