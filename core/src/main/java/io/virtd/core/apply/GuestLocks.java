package io.virtd.core.apply;

import io.virtd.core.config.RunDirectories;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;

/**
 * Per-guest advisory locks, one file per guest under the lock directory ({@code /run/virtd/locks}),
 * taken by {@code virtctl apply} and the daemon alike so they never act on one guest at once.
 */
public final class GuestLocks {
  private final Path dir;

  public GuestLocks(Path dir) {
    this.dir = dir;
  }

  /** A held lock; closing it releases the lock. */
  public interface Held extends AutoCloseable {
    @Override
    void close();

    /** Whether another process held the lock first, so this one had to wait for it. */
    default boolean waited() {
      return false;
    }
  }

  /** Waits up to {@code wait} for the lock on {@code name}. */
  public Held acquire(String name, Duration wait) throws IOException {
    return acquire(name, wait, () -> {});
  }

  /**
   * Waits up to {@code wait} for the lock on {@code name}; {@code onWait} runs once, when another
   * process holds it.
   */
  public Held acquire(String name, Duration wait, Runnable onWait) throws IOException {
    RunDirectories.create(dir);
    FileChannel ch =
        FileChannel.open(
            dir.resolve(name + ".lock"),
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    long deadline = System.nanoTime() + wait.toNanos();
    boolean waited = false;
    try {
      while (true) {
        FileLock lock;
        try {
          lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null;
        }
        if (lock != null) {
          FileLock l = lock;
          boolean hadToWait = waited;
          return new Held() {
            @Override
            public void close() {
              try {
                l.release();
                ch.close();
              } catch (IOException e) {
                // the lock goes with the channel
              }
            }

            @Override
            public boolean waited() {
              return hadToWait;
            }
          };
        }
        if (!waited) {
          waited = true;
          onWait.run();
        }
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "guest `"
                  + name
                  + "` is locked by another virtd process ("
                  + dir.resolve(name + ".lock")
                  + ")");
        }
        Thread.sleep(50);
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    } catch (InterruptedException e) {
      ch.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the lock on " + name);
    }
  }
}
