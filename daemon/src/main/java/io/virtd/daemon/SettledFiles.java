package io.virtd.daemon;

import io.virtd.core.manifest.ManifestLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which manifest files are complete enough to read: the settle rule every read of the manifests
 * directory follows (a file change, a scheduled pass, SIGHUP, a driver coming back), so that a file
 * caught half-written is never applied.
 *
 * <p>A file has settled when it did not change while it was read and either its last change (data
 * or metadata: the later of mtime and ctime) is at least the settle time old, or it has stayed the
 * same (inode, size, times) for the settle time since this store first saw it so (a time in the
 * future, a clock set back). A file that has not settled is read later; until then its resources
 * keep their last state.
 */
final class SettledFiles {
  private final Duration settle;
  private final Clock clock; // file times are the system's wall clock
  private final Map<Path, Seen> seen = new HashMap<>();

  /** What a file looked like; any change to its content or metadata changes it. */
  record Stat(Object inode, long size, FileTime mtime, FileTime ctime) {
    Instant changed() {
      Instant m = mtime.toInstant();
      Instant c = ctime.toInstant();
      return m.isAfter(c) ? m : c;
    }
  }

  private record Seen(Stat stat, Instant since) {}

  SettledFiles(Duration settle, Clock clock) {
    this.settle = settle;
    this.clock = clock;
  }

  boolean enabled() {
    return !settle.isZero();
  }

  Duration settle() {
    return settle;
  }

  /** The manifest files under {@code dir} as they are now (a file that cannot be read: null). */
  static Map<Path, Stat> statAll(Path dir) {
    Map<Path, Stat> out = new HashMap<>();
    for (Path f : ManifestLoader.manifestFiles(List.of(dir), new ArrayList<>())) {
      out.put(f, statOf(f));
    }
    return out;
  }

  private static Stat statOf(Path f) {
    try {
      PosixFileAttributes a = Files.readAttributes(f, PosixFileAttributes.class);
      return new Stat(
          a.fileKey(),
          a.size(),
          a.lastModifiedTime(),
          (FileTime) Files.getAttribute(f, "unix:ctime"));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The files of a read that were not settled: those that changed (or came or went) between {@code
   * before} and {@code after} the read, and those that changed too recently.
   */
  Set<Path> unsettled(Map<Path, Stat> before, Map<Path, Stat> after) {
    Instant now = clock.instant();
    Set<Path> out = new HashSet<>();
    Set<Path> all = new HashSet<>(before.keySet());
    all.addAll(after.keySet());
    for (Path f : all) {
      Stat b = before.get(f);
      Stat a = after.get(f);
      if (!before.containsKey(f) || !after.containsKey(f) || !Objects.equals(b, a)) {
        out.add(f);
        continue;
      }
      if (a == null) {
        continue; // cannot be read: the loader reports it, and that is settled too
      }
      Seen s = seen.get(f);
      if (s == null || !s.stat().equals(a)) {
        s = new Seen(a, now);
        seen.put(f, s);
      }
      boolean oldChange = !a.changed().isAfter(now.minus(settle));
      boolean sameForLong = !s.since().isAfter(now.minus(settle));
      if (!oldChange && !sameForLong) {
        out.add(f);
      }
    }
    seen.keySet().retainAll(after.keySet());
    return out;
  }
}
