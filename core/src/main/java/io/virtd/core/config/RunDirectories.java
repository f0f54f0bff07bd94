package io.virtd.core.config;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The directories virtd makes at run time for its socket and locks ({@code /run/virtd}, {@code
 * /run/virtd/locks}): mode 0750 whatever the umask, so that no other user can reach what is in them
 * or put anything there.
 */
public final class RunDirectories {
  public static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rwxr-x---");

  private RunDirectories() {}

  /**
   * Makes the missing directories of {@code dir}, each with the mode 0750 (which the umask can only
   * narrow, so it is never wider, even for a moment) and then set to it exactly. Existing
   * directories are left as they are.
   */
  public static void create(Path dir) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path d = dir.toAbsolutePath(); d != null && !Files.isDirectory(d); d = d.getParent()) {
      missing.add(0, d);
    }
    for (Path d : missing) {
      try {
        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(MODE));
        Files.setPosixFilePermissions(d, MODE);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(d)) {
          throw e;
        }
      }
    }
  }
}
