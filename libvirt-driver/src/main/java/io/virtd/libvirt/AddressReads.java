package io.virtd.libvirt;

import io.virtd.core.spi.GuestAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads the addresses of one hypervisor's running guests within one deadline shared by all of them
 * ({@link #BUDGET}): a guest agent that does not answer, or a hypervisor that is slow, costs a plan
 * at most that long, and a guest not read in time is shown with unknown addresses instead of being
 * waited for. The reads go on in the background until each call returns; a handle given to a read
 * is released by it, so a late answer never touches a freed handle.
 */
final class AddressReads {
  private AddressReads() {}

  /** How long a plan, list or status waits for one hypervisor's addresses. */
  static final Duration BUDGET = Duration.ofSeconds(1);

  /** How one guest's addresses are read through its handle. */
  @FunctionalInterface
  interface Reader<T> {
    List<GuestAddress> read(T handle) throws Exception;
  }

  /** Frees a handle once its read is done (or skipped). */
  @FunctionalInterface
  interface Release<T> {
    void release(T handle);
  }

  private static final AtomicInteger THREADS = new AtomicInteger();

  /** A few threads for all drivers: calls on one connection are serialised by libvirt anyway. */
  private static final ExecutorService POOL =
      new ThreadPoolExecutor(
          4,
          4,
          30,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "virtd-addresses-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  static {
    ((ThreadPoolExecutor) POOL).allowCoreThreadTimeOut(true);
  }

  /**
   * Each guest's addresses, by name, in the order given: a list when read in time (empty when a
   * read failed: no source knew any), {@link Optional#empty()} when the deadline passed first.
   */
  static <T> Map<String, Optional<List<GuestAddress>>> read(
      Map<String, T> guests, Reader<T> reader, Release<T> release, Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    Map<String, List<GuestAddress>> done = new ConcurrentHashMap<>();
    CountDownLatch finished = new CountDownLatch(guests.size());
    guests.forEach(
        (name, handle) ->
            POOL.execute(
                () -> {
                  try {
                    if (System.nanoTime() < deadline) {
                      done.put(name, reader.read(handle));
                    }
                  } catch (Exception | LinkageError e) {
                    done.put(name, List.of()); // no source answered: nothing known, not an error
                  } finally {
                    release.release(handle);
                    finished.countDown();
                  }
                }));
    try {
      finished.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Map<String, Optional<List<GuestAddress>>> out = new LinkedHashMap<>();
    for (String name : guests.keySet()) {
      out.put(name, Optional.ofNullable(done.get(name)));
    }
    return out;
  }
}
