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
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads manifest files and directories into a {@link DesiredState}. Never stops at the first
 * problem: every file is read and every problem reported, each with file, line and column.
 */
public final class ManifestLoader {
  /** What to do with a manifest that group or others may write (as sshd's StrictModes). */
  public enum Permissions {
    /** {@code validate} and {@code plan}: say so, use the file. */
    WARN,
    /** the daemon and {@code apply}: refuse the file. */
    REFUSE
  }

  private static final Set<Field> STORAGE_KEYS =
      Set.of(Field.VIRT_PATH, Field.IMAGE, Field.CLONE_FROM, Field.XML_FILE);

  private final YamlReader yaml = new YamlReader();
  private final Permissions permissions;

  public ManifestLoader(Permissions permissions) {
    this.permissions = permissions;
  }

  public ManifestLoader() {
    this(Permissions.WARN);
  }

  public DesiredState load(List<Path> paths) {
    List<Problem> problems = new ArrayList<>();
    List<Declared> declared = new ArrayList<>();
    FileTrust trust = new FileTrust();
    for (Path file : manifestFiles(paths, problems)) {
      loadFile(file, trust, declared, problems);
    }
    return collect(declared, problems);
  }

  /**
   * A document that names a resource: {@code spec} is null when the document is invalid, but its
   * name still counts for "declared twice" (the spec: an error for every document that uses it).
   */
  private record Declared(String name, Path file, Pos pos, VmSpec spec) {
    String origin() {
      return file + ":" + pos;
    }
  }

  public DesiredState load(Path... paths) {
    return load(List.of(paths));
  }

  /**
   * The files that {@code paths} name: files as given, directories walked for *.yaml and *.yml,
   * following symbolic links (a release directory swapped in by a link loads like any other). A
   * manifest name that is not a regular file (a FIFO, a device, a broken link, a link loop) is a
   * problem at that path, never skipped: skipping it would read as the file being removed.
   */
  public static List<Path> manifestFiles(List<Path> paths, List<Problem> problems) {
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
  public static java.util.Optional<Problem> permissionProblem(Path file, Permissions permissions) {
    return permissionProblem(file, permissions, new FileTrust());
  }

  private static java.util.Optional<Problem> permissionProblem(
      Path file, Permissions permissions, FileTrust trust) {
    return trust
        .distrust(file)
        .map(
            msg ->
                permissions == Permissions.REFUSE
                    ? Problem.error(file, Pos.START, msg + " (refused, as sshd's StrictModes does)")
                    : Problem.warning(
                        file, Pos.START, msg + " (apply and the daemon refuse such files)"));
  }

  private void loadFile(
      Path file, FileTrust trust, List<Declared> declared, List<Problem> problems) {
    java.util.Optional<Problem> unsafe = permissionProblem(file, permissions, trust);
    if (unsafe.isPresent()) {
      problems.add(unsafe.get());
      if (unsafe.get().isError()) {
        return;
      }
    }
    YamlReader.Result result = yaml.read(file);
    problems.addAll(result.problems());
    Path baseDir = file.toAbsolutePath().getParent();
    List<YNode> docs = result.documents();
    for (int i = 0; i < docs.size(); i++) {
      VmSpec spec = interpret(file, baseDir, docs.get(i), problems);
      // A document the reader found an error in (a duplicate key, a tag, an ambiguous integer) is
      // not a valid resource either.
      Pos from = docs.get(i).pos();
      Pos to = i + 1 < docs.size() ? docs.get(i + 1).pos() : null;
      boolean spoiled =
          result.problems().stream()
              .anyMatch(
                  p ->
                      p.isError() && !before(p.pos(), from) && (to == null || before(p.pos(), to)));
      YNode.Entry title = titleOf(docs.get(i));
      if (title != null) {
        declared.add(
            new Declared(
                ((YNode.YScalar) title.value()).text(),
                file,
                title.keyPos(),
                spoiled ? null : spec));
      }
    }
  }

  /** The {@code virt: NAME} entry of a document when NAME is a valid name, else null. */
  private static YNode.Entry titleOf(YNode doc) {
    if (doc instanceof YNode.YMap map
        && !map.entries().isEmpty()
        && map.entries().get(0).key().equals("virt")
        && map.entries().get(0).value() instanceof YNode.YScalar s
        && s.value() != null
        && !(s.value() instanceof Boolean)
        && Names.isValid(s.text())) {
      return map.entries().get(0);
    }
    return null;
  }

  private static boolean before(Pos a, Pos b) {
    return a.line() < b.line() || (a.line() == b.line() && a.col() < b.col());
  }

  /**
   * One document as a resource, or null (its problems added) when it declares none or is invalid.
   */
  static VmSpec interpret(Path file, Path baseDir, YNode doc, List<Problem> problems) {
    if (doc instanceof YNode.YScalar s && (s.value() == null || "".equals(s.value()))) {
      return null; // an empty document declares nothing
    }
    if (!(doc instanceof YNode.YMap map)) {
      problems.add(
          Problem.error(
              file,
              doc.pos(),
              "a resource must be a map starting with `virt: NAME`, not " + doc.kindName()));
      return null;
    }
    if (map.entries().isEmpty()) {
      return null;
    }
    YNode.Entry title = map.entries().get(0);
    if (!title.key().equals("virt")) {
      // the file may be anything (a link to /etc/shadow): its key is quoted only when it is one
      // a manifest could hold
      boolean nearVirt =
          title.key().equalsIgnoreCase("virt") || DidYouMean.distance(title.key(), "virt") <= 1;
      String shown =
          nearVirt || Field.byKey(title.key()).isPresent()
              ? ", not `" + title.key() + "`"
              : " (this document starts with another key)";
      problems.add(
          Problem.error(
              file,
              title.keyPos(),
              "a resource must start with `virt: NAME`"
                  + shown
                  + (nearVirt ? "; did you mean `virt`?" : "")));
      return null;
    }
    int before = problems.size();
    String name = resourceName(file, title, problems);
    Map<Field, Object> values = new EnumMap<>(Field.class);
    Map<Field, Pos> keyPos = new EnumMap<>(Field.class);
    Map<Field, Pos> valuePos = new EnumMap<>(Field.class);
    for (YNode.Entry e : map.entries().subList(1, map.entries().size())) {
      var field = Field.byKey(e.key());
      if (field.isEmpty()) {
        String hint =
            DidYouMean.suggest(e.key(), Field.keys())
                .map(s -> "; did you mean `" + s + "`?")
                .orElse("");
        String shown = e.key().length() > 40 ? e.key().substring(0, 37) + "..." : e.key();
        problems.add(
            Problem.error(file, e.keyPos(), "unknown key `" + SafeText.of(shown) + "`" + hint));
        continue;
      }
      try {
        values.put(field.get(), field.get().parse(e.value(), baseDir));
        keyPos.put(field.get(), e.keyPos());
        valuePos.put(field.get(), e.value().pos());
      } catch (BadValue bad) {
        problems.add(Problem.error(file, bad.pos(), bad.getMessage()));
      }
    }
    VirtType type = (VirtType) values.get(Field.VIRT_TYPE);
    boolean typeWritten =
        map.entries().stream().anyMatch(e -> e.key().equals(Field.VIRT_TYPE.key()));
    if (type == null && !typeWritten) {
      problems.add(
          Problem.error(
              file,
              title.keyPos(),
              (name == null ? "the resource" : "resource `" + name + "`")
                  + " has no `virt_type` (kvm, qemu, xen-fullyvirt, xen-paravirt or openvz)"));
    }
    if (type != null) {
      for (Field f : values.keySet()) {
        if (!f.supportedBy(type.driver())) {
          problems.add(
              Problem.error(
                  file,
                  keyPos.get(f),
                  "`"
                      + f.key()
                      + "` is not supported by the "
                      + type.driver()
                      + " driver (virt_type "
                      + type.key()
                      + ")"));
        }
      }
    }
    if (type != null) {
      checkLifecycleActions(file, type, values, valuePos, problems);
    }
    checkCombinations(file, values, keyPos, problems);
    if (problems.size() != before || name == null || type == null) {
      return null;
    }
    return new VmSpec(name, values, file, title.keyPos(), keyPos);
  }

  private static String resourceName(Path file, YNode.Entry title, List<Problem> problems) {
    YNode v = title.value();
    if (!(v instanceof YNode.YScalar s) || s.value() == null || s.value() instanceof Boolean) {
      problems.add(
          Problem.error(
              file, v.pos(), "`virt` must be followed by the resource name, not " + v.kindName()));
      return null;
    }
    String name = s.text(); // as written: `virt: 1.10` is named "1.10", not "1.1"
    if (!Names.isValid(name)) {
      String shown = name.length() > 70 ? name.substring(0, 67) + "..." : name;
      problems.add(
          Problem.error(
              file,
              v.pos(),
              "`"
                  + SafeText.of(shown)
                  + "` is not a valid resource name: use 1-64 of A-Z a-z 0-9 _ . -, not starting with - or ."));
      return null;
    }
    return name;
  }

  /** The on_* values the resource's hypervisor would refuse when the guest is defined. */
  private static void checkLifecycleActions(
      Path file,
      VirtType type,
      Map<Field, Object> values,
      Map<Field, Pos> valuePos,
      List<Problem> problems) {
    for (Field f : List.of(Field.ON_POWEROFF, Field.ON_REBOOT, Field.ON_CRASH)) {
      if (values.get(f) instanceof LifecycleAction a && !a.supportedBy(type, f)) {
        List<String> usable =
            java.util.Arrays.stream(LifecycleAction.values())
                .filter(o -> o.supportedBy(type, f))
                .map(LifecycleAction::key)
                .toList();
        problems.add(
            Problem.error(
                file,
                valuePos.get(f),
                "`"
                    + f.key()
                    + ": "
                    + a.key()
                    + "` is not supported by QEMU (virt_type "
                    + type.key()
                    + "): use "
                    + String.join(" or ", usable)));
      }
    }
    // QEMU cannot tell a reboot from a power-off it is to turn into a restart
    if ((type == VirtType.KVM || type == VirtType.QEMU)
        && values.get(Field.ON_REBOOT) == LifecycleAction.DESTROY
        && values.get(Field.ON_POWEROFF) == LifecycleAction.RESTART) {
      problems.add(
          Problem.error(
              file,
              valuePos.get(Field.ON_REBOOT),
              "`on_reboot: destroy` with `on_poweroff: restart` is not supported by QEMU (virt_type "
                  + type.key()
                  + ")"));
    }
  }

  private static void checkCombinations(
      Path file, Map<Field, Object> values, Map<Field, Pos> keyPos, List<Problem> problems) {
    // in the order they are written: the error goes to each later one, naming the first
    List<Field> storage =
        STORAGE_KEYS.stream()
            .filter(values::containsKey)
            .sorted(
                java.util.Comparator.comparingInt((Field f) -> keyPos.get(f).line())
                    .thenComparingInt(f -> keyPos.get(f).col()))
            .toList();
    if (storage.size() > 1) {
      for (Field f : storage.subList(1, storage.size())) {
        problems.add(
            Problem.error(
                file,
                keyPos.get(f),
                "only one of virt_path, image, clone_from, xml_file may be given; `"
                    + storage.get(0).key()
                    + "` is set too"));
      }
    }
    if (values.containsKey(Field.IMAGE_MODE)
        && !values.containsKey(Field.IMAGE)
        && !values.containsKey(Field.CLONE_FROM)) {
      problems.add(
          Problem.error(
              file, keyPos.get(Field.IMAGE_MODE), "`image_mode` needs `image` or `clone_from`"));
    }
    Object path = values.get(Field.VIRT_PATH);
    if (path != null
        && Files.isDirectory(Path.of(path.toString()))
        && !values.containsKey(Field.DISK_SIZE)) {
      problems.add(
          Problem.error(
              file,
              keyPos.get(Field.VIRT_PATH),
              "`virt_path` is a directory: `disk_size` is required to create a disk in it"));
    }
    checkMaximum(file, values, keyPos, problems, Field.MAX_MEMORY, Field.MEMORY);
    checkMaximum(file, values, keyPos, problems, Field.MAX_CPUS, Field.CPUS);
    for (Field f : List.of(Field.BOOT_OPTIONS, Field.KICKSTART)) {
      if (values.containsKey(f) && !values.containsKey(Field.BOOT_LOCATION)) {
        problems.add(
            Problem.error(
                file,
                keyPos.get(f),
                "`" + f.key() + "` needs `boot_location` (direct kernel boot)"));
      }
    }
  }

  /**
   * A maximum ({@code max_memory}, {@code max_cpus}) below its value: the value given, or the
   * default a new guest would get, since the maximum is used when the guest is created.
   */
  private static void checkMaximum(
      Path file,
      Map<Field, Object> values,
      Map<Field, Pos> keyPos,
      List<Problem> problems,
      Field max,
      Field value) {
    Object m = values.get(max);
    if (m == null) {
      return;
    }
    Object v = values.get(value);
    long given =
        v == null
            ? (value == Field.MEMORY ? VmSpec.DEFAULT_MEMORY_KIB : 1)
            : ((Number) v).longValue();
    if (((Number) m).longValue() < given) {
      String shown = value == Field.MEMORY ? Sizes.formatKiB(given) : Long.toString(given);
      problems.add(
          Problem.error(
              file,
              keyPos.get(max),
              "`"
                  + max.key()
                  + "` is below `"
                  + value.key()
                  + "` ("
                  + shown
                  + (v == null ? ", the default" : "")
                  + "): a maximum must be at least the value"));
    }
  }

  /**
   * Drops every resource whose name is declared more than once, with an error at each declaration.
   */
  private static DesiredState collect(List<Declared> declared, List<Problem> problems) {
    Map<String, List<Declared>> byName = new LinkedHashMap<>();
    for (Declared d : declared) {
      byName.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(d);
    }
    Map<String, VmSpec> unique = new LinkedHashMap<>();
    for (var e : byName.entrySet()) {
      List<Declared> all = e.getValue();
      if (all.size() == 1) {
        if (all.get(0).spec() != null) {
          unique.put(e.getKey(), all.get(0).spec());
        }
        continue;
      }
      for (Declared d : all) {
        List<String> others = all.stream().filter(o -> o != d).map(Declared::origin).toList();
        problems.add(
            Problem.error(
                d.file(),
                d.pos(),
                "resource `"
                    + d.name()
                    + "` is declared "
                    + all.size()
                    + " times (also at "
                    + String.join(", ", others)
                    + ")"));
      }
    }
    return new DesiredState(unique, problems);
  }
}
