package io.virtd.daemon;

import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.Problem;
import io.virtd.core.manifest.VmSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The daemon's desired state: the documents of a {@link DesiredSource} (the manifest directory, or
 * etcd in fleet mode), read again on every change. A file that turns invalid keeps the resources it
 * last declared validly (nothing is stopped or removed because of bad input); a resource whose file
 * is gone is remembered with the time it went, for prune.
 */
public final class DesiredStore {
  private final DesiredSource source;
  private final ManifestLoader loader = new ManifestLoader(ManifestLoader.Permissions.REFUSE);
  private Map<String, VmSpec> current = Map.of();
  private Map<String, HostSpec> hosts = Map.of();
  private Map<Path, List<Problem>> problems = Map.of();
  private Object dirIdentity; // the manifests directory's device and inode at the last reload
  private final Map<String, VmSpec> gone = new HashMap<>();
  private final Map<String, Instant> goneSince = new HashMap<>();
  private boolean trackGone = true;

  /** A store that reads every file as it is: for files known to be complete. */
  public DesiredStore(Path dir) {
    this(dir, Duration.ZERO);
  }

  /**
   * A store that reads a file only once it has settled: unchanged for {@code settle} (see {@link
   * SettledFiles}); until then the file's resources keep their last state.
   */
  public DesiredStore(Path dir, Duration settle) {
    this(new DirectorySource(dir, settle));
  }

  public DesiredStore(DesiredSource source) {
    this.source = source;
  }

  public DesiredSource source() {
    return source;
  }

  /**
   * What a reload changed: resources whose desired state differs, and those that went away. {@code
   * emptied}: the manifests directory is another, empty directory now (the file system it was on
   * unmounted, say), so the removed resources are not remembered as gone and are never pruned. A
   * file removed from the same directory is a removal as usual, the last one too. {@code
   * unsettled}: files not read this time because they changed too recently; read again once the
   * settle time has passed.
   */
  public record Delta(
      Set<String> changed, Set<String> removed, boolean emptied, Set<Path> unsettled) {}

  public synchronized Delta reload(Instant now) {
    DesiredSource.Read read = source.read(loader);
    DesiredState fresh = read.state();
    Set<Path> unsettled = read.unsettled();
    Map<Path, List<Problem>> byFile = new LinkedHashMap<>();
    for (Problem p : fresh.problems()) {
      if (!unsettled.contains(p.file())) {
        byFile.computeIfAbsent(p.file(), f -> new ArrayList<>()).add(p);
      }
    }
    for (Path f : unsettled) { // what was said of it before still holds
      if (problems.containsKey(f)) {
        byFile.put(f, problems.get(f));
      }
    }
    Set<Path> badFiles = new HashSet<>(unsettled);
    byFile.forEach(
        (f, ps) -> {
          if (ps.stream().anyMatch(Problem::isError)) {
            badFiles.add(f);
          }
        });
    Map<String, VmSpec> next = new LinkedHashMap<>();
    for (VmSpec s : fresh.resources().values()) {
      if (!underAny(badFiles, s.file())) {
        next.put(s.name(), s);
      }
    }
    // a broken file keeps what it last declared validly; so do a file not settled yet and every
    // file of a directory that cannot be read (gone, unmounted, permission denied): that is no
    // evidence of a removal
    for (VmSpec old : current.values()) {
      if (underAny(badFiles, old.file()) && !next.containsKey(old.name())) {
        next.put(old.name(), old);
      }
    }
    Map<String, HostSpec> nextHosts = new LinkedHashMap<>();
    for (HostSpec h : fresh.hostResources()) {
      if (!underAny(badFiles, h.file())) {
        nextHosts.put(h.address(), h);
      }
    }
    for (HostSpec old : hosts.values()) { // as for guests: a broken file keeps its last state
      if (underAny(badFiles, old.file())) {
        nextHosts.putIfAbsent(old.address(), old);
      }
    }
    hosts = nextHosts;
    Set<String> changed = new HashSet<>();
    next.forEach(
        (n, s) -> {
          if (!s.equals(current.get(n))) {
            changed.add(n);
          }
          gone.remove(n);
          goneSince.remove(n);
        });
    Object identity = read.identity();
    boolean emptied =
        next.isEmpty()
            && !current.isEmpty()
            && identity != null
            && dirIdentity != null
            && !identity.equals(dirIdentity);
    if (identity != null) {
      dirIdentity = identity;
    }
    Set<String> removed = new HashSet<>();
    for (VmSpec old : current.values()) {
      if (!next.containsKey(old.name())) {
        removed.add(old.name());
        if (trackGone && !emptied) {
          gone.put(old.name(), old);
          goneSince.put(old.name(), now);
        }
      }
    }
    current = next;
    problems = byFile;
    return new Delta(changed, removed, emptied, Set.copyOf(unsettled));
  }

  private static boolean underAny(Set<Path> bad, Path file) {
    for (Path b : bad) {
      if (file.startsWith(b)) {
        return true;
      }
    }
    return false;
  }

  public synchronized Optional<VmSpec> get(String name) {
    return Optional.ofNullable(current.get(name));
  }

  /**
   * The networks and pools of the manifests, as last read validly (a broken file keeps what it
   * declared before); a removed manifest leaves its network or pool as it is.
   */
  public synchronized List<HostSpec> hostResources() {
    return List.copyOf(hosts.values());
  }

  public synchronized List<VmSpec> specs() {
    return List.copyOf(current.values());
  }

  public synchronized Set<String> names() {
    return Set.copyOf(current.keySet());
  }

  /** Problems of the last reload, by file (errors mean the file's last valid state is in use). */
  public synchronized Map<Path, List<Problem>> problems() {
    return Map.copyOf(problems);
  }

  /** The last desired state of a resource whose manifest is gone, and since when. */
  public synchronized Optional<Map.Entry<VmSpec, Instant>> gone(String name) {
    VmSpec s = gone.get(name);
    return s == null ? Optional.empty() : Optional.of(Map.entry(s, goneSince.get(name)));
  }

  /**
   * Whether removals are remembered for prune. Off (the configuration's {@code prune: false}), a
   * removal only unmanages the guest, and what was remembered is forgotten: turning prune on later
   * never removes a guest whose manifest went while it was off.
   */
  public synchronized void trackGone(boolean on) {
    trackGone = on;
    if (!on) {
      gone.clear();
      goneSince.clear();
    }
  }

  /** Stops remembering a gone resource (pruned, or found not to be ours to prune). */
  public synchronized void forgetGone(String name) {
    gone.remove(name);
    goneSince.remove(name);
  }

  /** The manifest directory of a store that reads one (tests). */
  Path dir() {
    return ((DirectorySource) source).dir();
  }

  /** For logs: the manifest directory, or {@code etcd:HOST}. */
  public String describe() {
    return source.describe();
  }

  public synchronized Set<String> goneNames() {
    return Set.copyOf(gone.keySet());
  }
}
