package io.virtd.daemon;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A work queue keyed by resource name, as controller-runtime's: a key queued twice runs once; one
 * key never runs on two workers at once (a key added while it runs runs again afterwards);
 * different keys run in parallel on a bounded pool; a failing key is retried with its own
 * exponential backoff, capped and reset on success or when {@link #forget} says its input changed;
 * a terminal failure is not retried until then. A full pass ({@link #addUnlessFailing}) leaves
 * failing keys to their backoff; an event, a changed manifest or an operator's request runs a key
 * at once ({@link #add}). A reconcile that is waiting for something (not failing) says when to come
 * back ({@link Result#requeueAfter(Duration)}), and the queue brings the key back then.
 */
public final class WorkQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkQueue.class);

  /**
   * What a reconcile says about its key, as controller-runtime's {@code Result}: how it ended and,
   * when it is waiting for something, when to look again.
   *
   * @param requeueAfter when to reconcile the key again although nothing changed (a grace period
   *     running out); waiting, not a retry: the key's backoff is reset
   */
  public record Result(Outcome outcome, Optional<Duration> requeueAfter) {
    public static final Result DONE = new Result(Outcome.DONE, Optional.empty());
    public static final Result RETRY = new Result(Outcome.RETRY, Optional.empty());
    public static final Result TERMINAL = new Result(Outcome.TERMINAL, Optional.empty());

    /** Nothing failed; look at the key again after {@code delay}. */
    public static Result requeueAfter(Duration delay) {
      return new Result(Outcome.DONE, Optional.of(delay));
    }
  }

  public enum Outcome {
    /** Converged (or nothing to do): reset the key's backoff. */
    DONE,
    /** Failed in a way that may pass: retry after the key's backoff. */
    RETRY,
    /** Failed in a way that will fail again until the input changes: do not retry. */
    TERMINAL
  }

  /** Reconciles one key. */
  @FunctionalInterface
  public interface Reconcile {
    /**
     * @param failures how many times in a row the key has failed before this run (status shows it)
     */
    Result reconcile(String key, int failures);
  }

  /** The time delayed work waits on: the system's in the daemon, one moved by hand in tests. */
  public interface Timer {
    /** Now, as {@link System#nanoTime()} counts it. */
    long nanoTime();

    /** Runs {@code task} once {@code delay} has passed. */
    void schedule(Runnable task, Duration delay);

    void shutdown();

    /** {@link System#nanoTime()} and one scheduling thread. */
    static Timer system() {
      ScheduledExecutorService timer =
          Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "virtd-retry"));
      return new Timer() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void schedule(Runnable task, Duration delay) {
          timer.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        }

        @Override
        public void shutdown() {
          timer.shutdownNow();
        }
      };
    }
  }

  private final Reconcile reconcile;
  private final Duration baseDelay;
  private final Duration maxDelay;
  private final ExecutorService workers;
  private final Timer timer;
  private final Object lock = new Object();
  private final Set<String> queued = new LinkedHashSet<>();
  private final Set<String> running = new HashSet<>();
  private final Set<String> dirty = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();

  /** Keys waiting out a retry's backoff: until when (System.nanoTime). */
  private final Map<String, Long> waitUntil = new HashMap<>();

  /** Keys failed terminally: they wait for a change of their input. */
  private final Set<String> terminal = new HashSet<>();

  /** How many runs have ended (a test waits on it to know the queue considered its work). */
  private long ended;

  private boolean closed;
  private volatile ReconcileEvents events = ReconcileEvents.NONE;

  public WorkQueue(int workers, Duration baseDelay, Duration maxDelay, Reconcile reconcile) {
    this(workers, baseDelay, maxDelay, reconcile, Timer.system());
  }

  WorkQueue(int workers, Duration baseDelay, Duration maxDelay, Reconcile reconcile, Timer timer) {
    this.reconcile = reconcile;
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    this.workers = Executors.newFixedThreadPool(workers, r -> daemonThread(r, "virtd-worker"));
    this.timer = timer;
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
   * terminally (its retry, or a change of its input, queues it). Returns whether it was queued.
   */
  public boolean addUnlessFailing(String key) {
    synchronized (lock) {
      Long until = waitUntil.get(key);
      if (terminal.contains(key) || until != null && until - timer.nanoTime() > 0) {
        return false;
      }
    }
    add(key);
    return true;
  }

  /** The key's input changed: clear its backoff so it is retried at once. */
  public void forget(String key) {
    synchronized (lock) {
      failures.remove(key);
      waitUntil.remove(key);
      terminal.remove(key);
    }
  }

  /** How many times in a row {@code key} has failed. */
  int failures(String key) {
    synchronized (lock) {
      return failures.getOrDefault(key, 0);
    }
  }

  /** The delay before retry number {@code n} (1-based): base × 2^(n-1), capped. */
  Duration backoff(int n) {
    long ms = baseDelay.toMillis() << Math.min(n - 1, 30);
    return Duration.ofMillis(Math.min(ms <= 0 ? maxDelay.toMillis() : ms, maxDelay.toMillis()));
  }

  /** Whether nothing is queued or running: every key added so far has been considered. */
  boolean idle() {
    synchronized (lock) {
      return queued.isEmpty() && running.isEmpty() && dirty.isEmpty();
    }
  }

  /** How many reconciles have ended. */
  long ended() {
    synchronized (lock) {
      return ended;
    }
  }

  private void runOne(String key) {
    int depth;
    int failed;
    synchronized (lock) {
      if (!queued.remove(key)) {
        return;
      }
      running.add(key);
      depth = queued.size();
      failed = failures.getOrDefault(key, 0);
    }
    events.queueDepth(depth);
    Result result;
    try {
      result = reconcile.reconcile(key, failed);
    } catch (RuntimeException e) {
      log.error("resource={} reconcile failed unexpectedly: {}", key, e.toString());
      result = Result.RETRY;
    }
    int n = 0;
    synchronized (lock) {
      switch (result.outcome()) {
        case DONE -> {
          failures.remove(key);
          waitUntil.remove(key);
          terminal.remove(key);
        }
        case RETRY -> {
          n = failures.merge(key, 1, Integer::sum);
          waitUntil.put(key, timer.nanoTime() + backoff(n).toNanos());
          terminal.remove(key);
        }
        case TERMINAL -> {
          failures.merge(key, 1, Integer::sum);
          waitUntil.remove(key);
          terminal.add(key);
        }
      }
      running.remove(key);
      // what comes next is arranged in the same step, so the queue is never seen idle in between
      boolean again = dirty.remove(key) && !closed && queued.add(key);
      if (again) {
        workers.execute(() -> runOne(key));
      } else if (result.outcome() == Outcome.RETRY && !closed) {
        Duration d = backoff(n);
        log.info("resource={} retry {} in {} ms", key, n, d.toMillis());
        timer.schedule(() -> add(key), d);
      } else if (result.requeueAfter().isPresent() && !closed) {
        timer.schedule(() -> add(key), result.requeueAfter().get());
      }
      depth = queued.size();
      ended++;
    }
    events.queueDepth(depth);
  }

  /** Stops taking work and waits up to {@code grace} for running reconciles to finish. */
  public boolean shutdown(Duration grace) throws InterruptedException {
    synchronized (lock) {
      closed = true;
      queued.clear();
    }
    events.queueDepth(0);
    timer.shutdown();
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
