package io.virtd.daemon;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A work queue keyed by resource name, as controller-runtime's: a key queued twice runs once; one
 * key never runs on two workers at once (a key added while it runs runs again afterwards);
 * different keys run in parallel on a bounded pool; a failing key is retried with its own
 * exponential backoff, capped and reset on success or when {@link #forget} says its input changed;
 * a terminal failure is not retried until then. A full pass ({@link #addUnlessFailing}) leaves
 * failing keys to their backoff; an event, a changed manifest or an operator's request runs a key
 * at once ({@link #add}).
 */
public final class WorkQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkQueue.class);

  /** What a reconcile says about its key. */
  public enum Result {
    /** Converged (or nothing to do): reset the key's backoff. */
    DONE,
    /** Failed in a way that may pass: retry after the key's backoff. */
    RETRY,
    /** Failed in a way that will fail again until the input changes: do not retry. */
    TERMINAL
  }

  private final Function<String, Result> reconcile;
  private final Duration baseDelay;
  private final Duration maxDelay;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final Object lock = new Object();
  private final Set<String> queued = new LinkedHashSet<>();
  private final Set<String> running = new HashSet<>();
  private final Set<String> dirty = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();

  /** Keys waiting out a retry's backoff: until when (System.nanoTime). */
  private final Map<String, Long> waitUntil = new HashMap<>();

  /** Keys failed terminally: they wait for a change of their input. */
  private final Set<String> terminal = new HashSet<>();

  private boolean closed;
  private volatile ReconcileEvents events = ReconcileEvents.NONE;

  public WorkQueue(
      int workers, Duration baseDelay, Duration maxDelay, Function<String, Result> reconcile) {
    this.reconcile = reconcile;
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    this.workers = Executors.newFixedThreadPool(workers, r -> daemonThread(r, "virtd-worker"));
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "virtd-retry"));
  }

  /** From now on {@code events} hears how many keys wait. */
  void tell(ReconcileEvents events) {
    this.events = events;
  }

  /** The daemon's threads never keep the JVM alive on their own: shutdown is explicit. */
  static Thread daemonThread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Queues {@code key} now; no-op when it is already queued. */
  public void add(String key) {
    int depth;
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (running.contains(key)) {
        dirty.add(key);
        return;
      }
      if (!queued.add(key)) {
        return;
      }
      depth = queued.size();
    }
    events.queueDepth(depth);
    workers.execute(() -> runOne(key));
  }

  /**
   * Queues {@code key} as a full pass does: not while it waits out a retry's backoff or has failed
   * terminally (its retry, or a change of its input, queues it).
   */
  public void addUnlessFailing(String key) {
    synchronized (lock) {
      Long until = waitUntil.get(key);
      if (terminal.contains(key) || until != null && until - System.nanoTime() > 0) {
        return;
      }
    }
    add(key);
  }

  /**
   * Queues {@code key} after {@code delay}: waiting for something (a grace period), not a retry.
   */
  public void addAfter(String key, Duration delay) {
    synchronized (lock) {
      if (closed) {
        return;
      }
    }
    timer.schedule(() -> add(key), Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
  }

  /** The key's input changed: clear its backoff so it is retried at once. */
  public void forget(String key) {
    synchronized (lock) {
      failures.remove(key);
      waitUntil.remove(key);
      terminal.remove(key);
    }
  }

  /** How many times in a row {@code key} has failed (shown by status). */
  public int failures(String key) {
    synchronized (lock) {
      return failures.getOrDefault(key, 0);
    }
  }

  /** The delay before retry number {@code n} (1-based): base × 2^(n-1), capped. */
  Duration backoff(int n) {
    long ms = baseDelay.toMillis() << Math.min(n - 1, 30);
    return Duration.ofMillis(Math.min(ms <= 0 ? maxDelay.toMillis() : ms, maxDelay.toMillis()));
  }

  private void runOne(String key) {
    int depth;
    synchronized (lock) {
      if (!queued.remove(key)) {
        return;
      }
      running.add(key);
      depth = queued.size();
    }
    events.queueDepth(depth);
    Result result;
    try {
      result = reconcile.apply(key);
    } catch (RuntimeException e) {
      log.error("resource={} reconcile failed unexpectedly: {}", key, e.toString());
      result = Result.RETRY;
    }
    boolean again;
    int n = 0;
    synchronized (lock) {
      running.remove(key);
      again = dirty.remove(key);
      switch (result) {
        case DONE -> {
          failures.remove(key);
          waitUntil.remove(key);
          terminal.remove(key);
        }
        case RETRY -> {
          n = failures.merge(key, 1, Integer::sum);
          waitUntil.put(key, System.nanoTime() + backoff(n).toNanos());
          terminal.remove(key);
        }
        case TERMINAL -> {
          failures.merge(key, 1, Integer::sum);
          waitUntil.remove(key);
          terminal.add(key);
        }
      }
    }
    if (again) {
      add(key);
    } else if (result == Result.RETRY && !closed) {
      Duration d = backoff(n);
      log.info("resource={} retry {} in {} ms", key, n, d.toMillis());
      timer.schedule(() -> add(key), d.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Stops taking work and waits up to {@code grace} for running reconciles to finish. */
  public boolean shutdown(Duration grace) throws InterruptedException {
    synchronized (lock) {
      closed = true;
      queued.clear();
    }
    events.queueDepth(0);
    timer.shutdownNow();
    workers.shutdown();
    return workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    try {
      shutdown(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
