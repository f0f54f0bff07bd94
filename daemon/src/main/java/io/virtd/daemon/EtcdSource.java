package io.virtd.daemon;

import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.Problem;
import io.virtd.core.manifest.VmSpec;
import io.virtd.fleet.FleetAgent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code desired/HOST/} in etcd as a {@link DesiredSource}. The files last read from etcd are
 * written to a private directory (mode 0700) and loaded by the same {@link ManifestLoader} as the
 * manifest directory; their problems and resources then name {@code etcd:HOST/PATH}.
 *
 * <p>Until a first read from etcd succeeds, nothing is known: every resource keeps its state.
 */
public final class EtcdSource implements DesiredSource {
  private final FleetAgent agent;
  private final Path cache;
  private final String origin;
  private Runnable onChange = () -> {};

  /**
   * @param cache a private directory for the files read (beside the lock directory, so on tmpfs
   *     under /run by default); emptied now, and re-used by the next daemon
   */
  public EtcdSource(FleetAgent agent, Path cache) {
    this.agent = agent;
    this.origin = "etcd:" + agent.host();
    this.cache = cache;
    try {
      delete(cache);
      Files.createDirectories(cache.getParent());
      Files.createDirectory(
          cache,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the agent calls when etcd's documents changed. */
  void changed() {
    onChange.run();
  }

  @Override
  public synchronized Read read(ManifestLoader loader) {
    if (!agent.everRead()) {
      return new Read(new DesiredState(Map.of(), List.of()), Set.of(Path.of(origin)), origin);
    }
    Map<String, String> files = agent.files();
    Path dir = cache.resolve("d" + System.nanoTime());
    try {
      Files.createDirectory(dir);
      for (var e : files.entrySet()) {
        Path f = dir.resolve(e.getKey()).normalize();
        if (!f.startsWith(dir)) {
          continue; // a key with `..` in its path: not a file of this host
        }
        Files.createDirectories(f.getParent());
        Files.writeString(f, e.getValue(), StandardCharsets.UTF_8);
      }
      DesiredState loaded = loader.load(List.of(dir));
      Map<String, VmSpec> specs = new LinkedHashMap<>();
      loaded
          .resources()
          .forEach(
              (n, s) ->
                  specs.put(
                      n,
                      new VmSpec(
                          s.name(), s.values(), named(dir, s.file()), s.pos(), s.keyPositions())));
      List<Problem> problems = new ArrayList<>();
      for (Problem p : loaded.problems()) {
        problems.add(new Problem(named(dir, p.file()), p.pos(), p.severity(), p.message()));
      }
      return new Read(new DesiredState(specs, problems), Set.of(), origin);
    } catch (IOException e) {
      // nothing could be read: no evidence of a removal
      return new Read(new DesiredState(Map.of(), List.of()), Set.of(Path.of(origin)), origin);
    } finally {
      delete(dir);
    }
  }

  private Path named(Path dir, Path file) {
    Path rel = file.startsWith(dir) ? dir.relativize(file) : file.getFileName();
    return Path.of(origin).resolve(rel);
  }

  @Override
  public synchronized void watch(Runnable onChange) {
    this.onChange = onChange;
  }

  @Override
  public String describe() {
    return origin;
  }

  @Override
  public void close() {
    onChange = () -> {};
  }

  /** Removes the private directory (when the daemon stops for good). */
  void discard() {
    delete(cache);
  }

  private static void delete(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover in a private temporary directory
    }
  }
}
