package io.virtd.core.manifest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    List<Declared<VmSpec>> declared = new ArrayList<>();
    List<Declared<HostSpec>> hosts = new ArrayList<>();
    FileTrust trust = new FileTrust();
    for (Path file : manifestFiles(paths, problems)) {
      loadFile(file, trust, declared, hosts, problems);
    }
    Map<String, NetworkSpec> networks = new LinkedHashMap<>();
    Map<String, PoolSpec> pools = new LinkedHashMap<>();
    for (HostSpec.Kind kind : HostSpec.Kind.values()) {
      List<Declared<HostSpec>> ofKind = hosts.stream().filter(d -> d.kind() == kind).toList();
      unique(ofKind, kind.key(), problems)
          .forEach(
              (name, spec) -> {
                switch (kind) {
                  case NETWORK -> networks.put(name, (NetworkSpec) spec);
                  case POOL -> pools.put(name, (PoolSpec) spec);
                }
              });
    }
    return new DesiredState(unique(declared, "resource", problems), problems, networks, pools);
  }

  /**
   * A document that names a resource: {@code spec} is null when the document is invalid, but its
   * name still counts for "declared twice" (the spec: an error for every document that uses it).
   */
  private record Declared<T>(HostSpec.Kind kind, String name, Path file, Pos pos, T spec) {
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
    return ManifestFiles.list(paths, problems);
  }

  /**
   * The StrictModes check for a manifest or configuration file (see {@link FileTrust}): an error
   * under REFUSE, a warning under WARN, nothing when the file is safe (or missing).
   */
  public static java.util.Optional<Problem> permissionProblem(Path file, Permissions permissions) {
    return ManifestFiles.permissionProblem(file, permissions, new FileTrust());
  }

  private void loadFile(
      Path file,
      FileTrust trust,
      List<Declared<VmSpec>> declared,
      List<Declared<HostSpec>> hosts,
      List<Problem> problems) {
    java.util.Optional<Problem> unsafe = ManifestFiles.permissionProblem(file, permissions, trust);
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
      var kind = HostResourceDocument.kindOf(docs.get(i));
      if (kind.isPresent()) {
        YNode.YMap map = (YNode.YMap) docs.get(i);
        HostSpec host = HostResourceDocument.interpret(file, map, problems);
        YNode.Entry title = map.entries().get(0);
        if (title.value() instanceof YNode.YScalar s
            && s.value() != null
            && Names.isValid(s.text())) {
          hosts.add(
              new Declared<>(
                  kind.get(), s.text(), file, title.keyPos(), result.isSpoiled(i) ? null : host));
        }
        continue;
      }
      VmSpec spec = ResourceDocument.interpret(file, baseDir, docs.get(i), problems);
      // a document the reader found an error in (a duplicate key, a tag) is not a valid resource
      boolean spoiled = result.isSpoiled(i);
      YNode.Entry title = ResourceDocument.titleOf(docs.get(i));
      if (title != null) {
        declared.add(
            new Declared<>(
                null,
                ((YNode.YScalar) title.value()).text(),
                file,
                title.keyPos(),
                spoiled ? null : spec));
      }
    }
  }

  /**
   * Drops every resource whose name is declared more than once among those of one type ({@code
   * noun}), with an error at each declaration.
   */
  private static <T> Map<String, T> unique(
      List<Declared<T>> declared, String noun, List<Problem> problems) {
    Map<String, List<Declared<T>>> byName = new LinkedHashMap<>();
    for (Declared<T> d : declared) {
      byName.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(d);
    }
    Map<String, T> unique = new LinkedHashMap<>();
    for (var e : byName.entrySet()) {
      List<Declared<T>> all = e.getValue();
      if (all.size() == 1) {
        if (all.get(0).spec() != null) {
          unique.put(e.getKey(), all.get(0).spec());
        }
        continue;
      }
      for (Declared<T> d : all) {
        List<String> others = all.stream().filter(o -> o != d).map(Declared::origin).toList();
        problems.add(
            Problem.error(
                d.file(),
                d.pos(),
                noun
                    + " `"
                    + d.name()
                    + "` is declared "
                    + all.size()
                    + " times (also at "
                    + String.join(", ", others)
                    + ")"));
      }
    }
    return unique;
  }
}
