package io.virtd.daemon;

import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Where the daemon's desired documents come from: the manifest directory or {@code desired/HOST/}
 * in etcd. {@link DesiredStore} applies the same rules to either (an invalid file keeps its last
 * valid state, removals follow prune); nothing downstream knows which it is.
 */
public interface DesiredSource extends AutoCloseable {
  /**
   * One read of every document.
   *
   * @param unsettled files (or directories) not to be trusted this time: what they declared before
   *     is kept
   * @param identity what the documents came from (the directory's inode): a read from another one
   *     that finds nothing is no evidence of removals
   */
  record Read(DesiredState state, Set<Path> unsettled, Object identity) {}

  Read read(ManifestLoader loader);

  /** Starts calling {@code onChange} (on any thread) whenever the documents may have changed. */
  void watch(Runnable onChange) throws IOException;

  /** For logs: the directory, or {@code etcd:HOST}. */
  String describe();

  @Override
  void close();
}
