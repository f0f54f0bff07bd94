package io.virtd.core.manifest;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which files a list of manifest paths names, and whether each may be trusted: directories are
 * walked for *.yaml and *.yml, and a name that cannot be read as a manifest is a problem at that
 * path, never skipped.
 */
final class ManifestFiles {
  private ManifestFiles() {}

  /**
   * The files that {@code paths} name: files as given, directories walked for *.yaml and *.yml,
   * following symbolic links (a release directory swapped in by a link loads like any other). A
   * manifest name that is not a regular file (a FIFO, a device, a broken link, a link loop) is a
   * problem at that path, never skipped: skipping it would read as the file being removed.
   */
  static List<Path> list(List<Path> paths, List<Problem> problems) {
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        walk(p, files, problems);
      } else if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        notRegular(p)
            .ifPresentOrElse(
                why -> problems.add(Problem.error(p, Pos.START, why)), () -> files.add(p));
      } else {
        problems.add(Problem.error(p, Pos.START, "no such file or directory"));
      }
    }
    return once(files);
  }

  private static void walk(Path root, List<Path> files, List<Problem> problems) {
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(
          root,
          Set.of(FileVisitOption.FOLLOW_LINKS),
          Integer.MAX_VALUE,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return dir.equals(root) || isManifestDirName(dir.getFileName().toString())
                  ? FileVisitResult.CONTINUE
                  : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (isManifestName(root.relativize(file))) {
                if (attrs.isRegularFile()) {
                  found.add(file);
                } else {
                  notRegular(file)
                      .ifPresentOrElse(
                          why -> problems.add(Problem.error(file, Pos.START, why)),
                          () -> found.add(file));
                }
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              // a sub-directory that cannot be read is a problem like a broken file: its
              // manifests are not removed
              if (file.equals(root)) {
                problems.add(
                    Problem.error(
                        file,
                        Pos.START,
                        "cannot read directory: "
                            + unreadable(e).replaceFirst("^cannot read: ", "")));
              } else if (isManifestName(root.relativize(file))) {
                problems.add(Problem.error(file, Pos.START, unreadable(e)));
              } else if (isManifestDirName(file.getFileName().toString())) {
                problems.add(
                    Problem.error(
                        file,
                        Pos.START,
                        e instanceof FileSystemLoopException
                            ? "a symbolic link loop: this directory contains itself"
                            : unreadable(e)));
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException | java.io.UncheckedIOException e) {
      problems.add(Problem.error(root, Pos.START, "cannot read directory: " + e.getMessage()));
    }
    found.sort(null);
    files.addAll(found);
  }

  /**
   * Why {@code file} (a manifest name) cannot be read as a manifest, or empty for a regular file.
   */
  static java.util.Optional<String> notRegular(Path file) {
    BasicFileAttributes target;
    try {
      target = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (FileSystemException e) {
      if (Files.isSymbolicLink(file)) {
        return java.util.Optional.of(
            e.getReason() != null && e.getReason().contains("symbolic links")
                ? "a symbolic link loop, not a manifest file"
                : Files.exists(file)
                    ? unreadable(e)
                    : "a broken symbolic link, not a manifest file");
      }
      return java.util.Optional.of(unreadable(e));
    } catch (IOException e) {
      return java.util.Optional.of(unreadable(e));
    }
    if (target.isRegularFile()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(YamlReader.notRegular(file, target));
  }

  private static String unreadable(IOException e) {
    if (e instanceof FileSystemLoopException) {
      return "a symbolic link loop, not a manifest file";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return "cannot read: " + fse.getReason();
    }
    return "cannot read: " + e.getClass().getSimpleName();
  }

  /**
   * {@code files} without the ones named again (`-m t -m t/a.yaml`, a symbolic link): a file read
   * twice would declare its resources twice and report them as duplicates of themselves.
   */
  private static List<Path> once(List<Path> files) {
    Set<Path> seen = new java.util.HashSet<>();
    List<Path> out = new ArrayList<>();
    for (Path f : files) {
      Path real;
      try {
        real = f.toRealPath();
      } catch (IOException e) {
        real = f.toAbsolutePath().normalize();
      }
      if (seen.add(real)) {
        out.add(f);
      }
    }
    return out;
  }

  /** Every path component is not hidden, and the file ends in .yaml or .yml. */
  static boolean isManifestName(Path relative) {
    for (Path part : relative) {
      if (!isManifestDirName(part.toString())) {
        return false;
      }
    }
    String name = relative.getFileName().toString();
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }

  /** Not hidden, not an editor's or dpkg's leftover. */
  private static boolean isManifestDirName(String s) {
    return !(s.startsWith(".") || s.endsWith("~") || s.contains(".dpkg-") || s.endsWith(".swp"));
  }

  /**
   * The StrictModes check for a manifest or configuration file (see {@link FileTrust}): an error
   * under REFUSE, a warning under WARN, nothing when the file is safe (or missing).
   */
  static java.util.Optional<Problem> permissionProblem(
      Path file, ManifestLoader.Permissions permissions, FileTrust trust) {
    return trust
        .distrust(file)
        .map(
            msg ->
                permissions == ManifestLoader.Permissions.REFUSE
                    ? Problem.error(file, Pos.START, msg + " (refused, as sshd's StrictModes does)")
                    : Problem.warning(
                        file, Pos.START, msg + " (apply and the daemon refuse such files)"));
  }
}
