package io.virtd.core.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

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
  }

  /** Waits up to {@code wait} for the lock on {@code name}. */
  public Held acquire(String name, Duration wait) throws IOException {
    Files.createDirectories(dir);
    FileChannel ch =
        FileChannel.open(
            dir.resolve(name + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    long deadline = System.nanoTime() + wait.toNanos();
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
          return () -> {
            try {
              l.release();
              ch.close();
            } catch (IOException e) {
              // the lock goes with the channel
            }
          };
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
