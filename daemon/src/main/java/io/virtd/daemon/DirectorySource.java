package io.virtd.daemon;

import io.virtd.core.manifest.ManifestLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The manifest directory, watched with inotify; a file is read once it has settled. */
public final class DirectorySource implements DesiredSource {
  private final Path dir;
  private final Duration settle;
  private final SettledFiles settled;
  private ManifestWatcher watcher;

  public DirectorySource(Path dir, Duration settle) {
    this.dir = dir;
    this.settle = settle;
    this.settled = new SettledFiles(settle, Clock.systemUTC());
  }

  public Path dir() {
    return dir;
  }

  @Override
  public Read read(ManifestLoader loader) {
    Map<Path, SettledFiles.Stat> before = settled.enabled() ? SettledFiles.statAll(dir) : Map.of();
    var state = loader.load(List.of(dir));
    Set<Path> unsettled =
        settled.enabled() ? settled.unsettled(before, SettledFiles.statAll(dir)) : Set.of();
    return new Read(state, unsettled, ManifestWatcher.identity(dir));
  }

  @Override
  public synchronized void watch(Runnable onChange) throws IOException {
    close();
    watcher = new ManifestWatcher(dir, settle, onChange);
  }

  @Override
  public String describe() {
    return dir.toString();
  }

  @Override
  public synchronized void close() {
    if (watcher != null) {
      watcher.close();
      watcher = null;
    }
  }
}
