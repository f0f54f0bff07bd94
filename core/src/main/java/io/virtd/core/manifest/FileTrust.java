package io.virtd.core.manifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether root may trust what a file says, as sshd's StrictModes decides for authorized_keys: the
 * file and every directory above it, up to {@code /}, must be owned by root (or by the user virtd
 * runs as) and not be writable by group or others; a directory with the sticky bit (such as {@code
 * /tmp}) may be writable by others, since they cannot replace what they do not own in it. Otherwise
 * whoever could change the file or swap a directory on its path could steer root.
 *
 * <p>A symbolic link is judged by its target and by both paths: every directory above the target,
 * and every directory above the link (whoever can write those can point the link elsewhere).
 *
 * <p>One instance remembers the directories it has judged, for one load.
 */
final class FileTrust {
  private static final int GROUP_OR_OTHER_WRITE = 0022;
  private static final int STICKY = 01000;

  private final int self;
  private final Map<Path, Optional<String>> judgedDirs = new HashMap<>();
  private final Map<Path, Path> resolved = new HashMap<>();

  FileTrust() {
    this.self = currentUid();
  }

  /** Why {@code file} should not be trusted, or empty (also when it cannot be found). */
  Optional<String> distrust(Path file) {
    Path real;
    try {
      real = file.toRealPath();
    } catch (IOException e) {
      return Optional.empty();
    }
    Optional<String> own = judge(real, false);
    if (own.isPresent()) {
      return own;
    }
    Set<Path> dirs = new LinkedHashSet<>();
    addAncestors(real, dirs);
    for (Path a = file.toAbsolutePath().getParent(); a != null; a = a.getParent()) {
      Path r = resolved.computeIfAbsent(a, FileTrust::realOrNull);
      if (r != null) {
        dirs.add(r);
        addAncestors(r, dirs);
      }
    }
    for (Path d : dirs) {
      Optional<String> why = judgedDirs.computeIfAbsent(d, p -> judge(p, true));
      if (why.isPresent()) {
        return why;
      }
    }
    return Optional.empty();
  }

  /** Null for a directory that cannot be resolved: not one an attacker can write either. */
  private static Path realOrNull(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      return null;
    }
  }

  private static void addAncestors(Path real, Set<Path> dirs) {
    for (Path a = real.getParent(); a != null; a = a.getParent()) {
      dirs.add(a);
    }
  }

  /** {@code path} (resolved, so no link) on its own: its owner and its write bits. */
  private Optional<String> judge(Path path, boolean directory) {
    int uid;
    int mode;
    try {
      uid = (Integer) Files.getAttribute(path, "unix:uid");
      mode = (Integer) Files.getAttribute(path, "unix:mode");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return Optional.empty();
    }
    String what = directory ? "directory " + path + " above it is " : "";
    if (uid != 0 && uid != self) {
      return Optional.of(
          what
              + "owned by "
              + ownerName(path, uid)
              + ", not root: only root may write what virtd acts on; run chown root on it");
    }
    if ((mode & GROUP_OR_OTHER_WRITE) != 0 && !(directory && (mode & STICKY) != 0)) {
      return Optional.of(what + "writable by group or others; run chmod go-w on it");
    }
    return Optional.empty();
  }

  private static String ownerName(Path path, int uid) {
    try {
      String name = Files.getOwner(path).getName();
      return name.equals(Integer.toString(uid)) ? "uid " + uid : name + " (uid " + uid + ")";
    } catch (IOException e) {
      return "uid " + uid;
    }
  }

  /** The effective uid of this process: the owner of {@code /proc/self}. */
  private static int currentUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return 0;
    }
  }
}
