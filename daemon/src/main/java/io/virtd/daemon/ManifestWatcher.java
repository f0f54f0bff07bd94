package io.virtd.daemon;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the manifest directory tree. Every event, OVERFLOW included, means "reload the
 * directory"; events are debounced so an editor's half-written save is read once, when it settles.
 *
 * <p>inotify watches a directory's inode, not its path, so every few seconds the watcher also looks
 * whether the path now names another directory (mounted late, re-created, a symlink swapped to a
 * new release) and then watches that one and reloads.
 */
public final class ManifestWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ManifestWatcher.class);

  private final Path root;
  private final Duration debounce;
  private final Runnable onChange;
  private final WatchService watch;
  private final Duration recheck;
  private final Thread thread;
  private final List<WatchKey> keys = new ArrayList<>();
  private Object rootIdentity; // the watched root's file key, null when it was missing

  public ManifestWatcher(Path root, Duration debounce, Runnable onChange) throws IOException {
    this(root, debounce, onChange, Duration.ofSeconds(5));
  }

  ManifestWatcher(Path root, Duration debounce, Runnable onChange, Duration recheck)
      throws IOException {
    this.root = root;
    this.debounce = debounce;
    this.onChange = onChange;
    this.recheck = recheck;
    this.watch = FileSystems.getDefault().newWatchService();
    rootIdentity = identity(root);
    registerAll();
    this.thread = new Thread(this::loop, "virtd-watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void registerAll() {
    if (!Files.isDirectory(root)) {
      return;
    }
    // through symbolic links, as the loader reads them; a loop ends at the directory seen twice
    try {
      Files.walkFileTree(
          root,
          java.util.Set.of(java.nio.file.FileVisitOption.FOLLOW_LINKS),
          Integer.MAX_VALUE,
          new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(
                Path d, java.nio.file.attribute.BasicFileAttributes attrs) {
              try {
                keys.add(
                    d.register(
                        watch,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE));
              } catch (IOException e) {
                log.warn("cannot watch {}: {}", d, e.getMessage());
              }
              return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
              return java.nio.file.FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException | java.io.UncheckedIOException e) {
      log.warn("cannot watch {}: {}", root, e.getMessage());
    }
  }

  private void loop() {
    try {
      while (true) {
        WatchKey key = watch.poll(recheck.toMillis(), TimeUnit.MILLISECONDS);
        if (key == null) {
          Object now = identity(root);
          if (now != null && !now.equals(rootIdentity)) {
            log.info("{} is another directory now: watching it and reloading", root);
            rootIdentity = now;
            keys.forEach(WatchKey::cancel);
            keys.clear();
            registerAll();
            reload();
          }
          continue;
        }
        drain(key);
        // debounce: wait until no event arrives for the whole period
        WatchKey more;
        while ((more = watch.poll(debounce.toMillis(), TimeUnit.MILLISECONDS)) != null) {
          drain(more);
        }
        registerAll(); // new sub-directories; registering twice is harmless
        reload();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    }
  }

  private void reload() {
    try {
      onChange.run();
    } catch (RuntimeException e) {
      log.error("reload after a manifest change failed: {}", e.toString());
    }
  }

  /** The directory's file key (device and inode), following symlinks; null when there is none. */
  static Object identity(Path dir) {
    try {
      BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class);
      return a.isDirectory() ? a.fileKey() : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static void drain(WatchKey key) {
    key.pollEvents();
    key.reset();
  }

  @Override
  public void close() {
    try {
      watch.close();
    } catch (IOException e) {
      // closing anyway
    }
    thread.interrupt();
  }
}
