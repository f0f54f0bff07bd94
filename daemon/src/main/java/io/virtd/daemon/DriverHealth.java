package io.virtd.daemon;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.Drivers.Target;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every driver target the manifests use: a target that stops answering is reported down and
 * re-opened with capped exponential backoff (re-opening re-registers event listeners); when it
 * answers again — or had to reconnect behind our back, or a reconcile reached it first ({@link
 * #reached}) — {@code onBack} runs a full pass, because events were lost meanwhile. A ping that
 * does not return within {@code pingTimeout} (a frozen libvirtd accepts connections but never
 * answers) counts as down too; it is left to finish on its own thread, and its eventual answer
 * brings the target back.
 */
final class DriverHealth {
  private static final Logger log = LoggerFactory.getLogger(DriverHealth.class);
  static final Duration CHECK_EVERY = Duration.ofSeconds(5);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  static final Duration PING_TIMEOUT = Duration.ofSeconds(10);

  /** What status shows per target. */
  record State(Target target, boolean up, Optional<String> error, Instant since) {}

  private static final class Entry {
    boolean up = true;
    String error;
    Instant since;
    int failures;
    Instant nextTry = Instant.MIN;
    boolean missedEvents;
  }

  private final Drivers drivers;
  private final Supplier<Set<Target>> targets;
  private final Consumer<Target> onBack;
  private final Clock clock;
  private final Map<Target, Entry> entries = new LinkedHashMap<>();
  private final Map<Target, Future<Boolean>> pending = new ConcurrentHashMap<>();
  private final Duration pingTimeout;
  private volatile ReconcileEvents events = ReconcileEvents.NONE;
  private final ExecutorService probes =
      Executors.newCachedThreadPool(r -> WorkQueue.daemonThread(r, "virtd-ping"));

  DriverHealth(
      Drivers drivers, Supplier<Set<Target>> targets, Consumer<Target> onBack, Clock clock) {
    this(drivers, targets, onBack, clock, PING_TIMEOUT, Map.of());
  }

  DriverHealth(
      Drivers drivers,
      Supplier<Set<Target>> targets,
      Consumer<Target> onBack,
      Clock clock,
      Duration pingTimeout) {
    this(drivers, targets, onBack, clock, pingTimeout, Map.of());
  }

  /**
   * @param known what the previous run's health knew (a configuration reload): shown until this one
   *     has checked for itself, so status never goes blank
   */
  DriverHealth(
      Drivers drivers,
      Supplier<Set<Target>> targets,
      Consumer<Target> onBack,
      Clock clock,
      Duration pingTimeout,
      Map<Target, State> known) {
    this.drivers = drivers;
    this.targets = targets;
    this.onBack = onBack;
    this.clock = clock;
    this.pingTimeout = pingTimeout;
    known.forEach(
        (t, st) -> {
          Entry e = new Entry();
          e.up = st.up();
          e.error = st.error().orElse(null);
          e.since = st.since();
          entries.put(t, e); // nextTry stays in the past: checked at the first tick
        });
  }

  /** From now on {@code events} hears of every check's verdict. */
  void tell(ReconcileEvents events) {
    this.events = events;
  }

  /** Stops the probe threads (a ping stuck on a frozen hypervisor is abandoned). */
  void close() {
    probes.shutdownNow();
  }

  /** Checks each target that is due; called every second by the daemon. */
  void tick() {
    for (Target t : targets.get()) {
      Entry e;
      synchronized (this) {
        e =
            entries.computeIfAbsent(
                t,
                k -> {
                  Entry n = new Entry();
                  n.since = clock.instant();
                  return n;
                });
        if (clock.instant().isBefore(e.nextTry)) {
          continue;
        }
      }
      check(t, e);
    }
  }

  private boolean ping(Target t) throws DriverException, TimeoutException {
    Future<Boolean> f = pending.computeIfAbsent(t, k -> probes.submit(() -> drivers.get(k).ping()));
    try {
      boolean r = f.get(pingTimeout.toMillis(), TimeUnit.MILLISECONDS);
      pending.remove(t);
      return r;
    } catch (ExecutionException ex) {
      pending.remove(t);
      if (ex.getCause() instanceof DriverException de) {
        throw de;
      }
      throw new DriverException(
          DriverException.Kind.UNAVAILABLE, t.label() + ": " + ex.getCause(), ex.getCause());
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new TimeoutException("interrupted");
    }
  }

  private void check(Target t, Entry e) {
    boolean back;
    try {
      boolean reconnected = ping(t);
      synchronized (this) {
        back = !e.up || reconnected || e.missedEvents;
        e.missedEvents = false;
        if (!e.up) {
          log.info("{} is back after {} failed check(s)", t.label(), e.failures);
          e.since = clock.instant();
        } else if (reconnected) {
          log.info("{} reconnected", t.label());
        }
        e.up = true;
        e.error = null;
        e.failures = 0;
        e.nextTry = clock.instant().plus(CHECK_EVERY);
      }
      events.driver(t, true);
    } catch (DriverException ex) {
      down(t, e, ex.getMessage(), "reconnecting with backoff", backoff(e.failures + 1));
      drivers.drop(t); // the next get() opens it again and the open hooks re-subscribe to events
      return;
    } catch (TimeoutException ex) {
      // the same ping is awaited again at the next check
      down(
          t,
          e,
          "no answer for " + pingTimeout.toSeconds() + " s (hung?)",
          "waiting for it",
          Duration.ofSeconds(1));
      return;
    }
    if (back) {
      onBack.accept(t);
    }
  }

  private synchronized void down(Target t, Entry e, String error, String then, Duration retryIn) {
    if (e.up) {
      log.warn("{} is down: {}; {}", t.label(), error, then);
      e.since = clock.instant();
    }
    e.up = false;
    e.error = error;
    e.failures++;
    e.nextTry = clock.instant().plus(retryIn);
    events.driver(t, false);
  }

  /**
   * A call through {@code t} just succeeded (a reconcile read its guest): a target shown down is up
   * again now, not at its next backed-off check, and a full pass runs for the events it missed.
   */
  synchronized void reached(Target t) {
    Entry e = entries.get(t);
    if (e == null || e.up) {
      return;
    }
    log.info("{} is back (reached by a reconcile) after {} failed check(s)", t.label(), e.failures);
    e.up = true;
    e.error = null;
    e.failures = 0;
    e.since = clock.instant();
    e.missedEvents = true; // the full pass runs from the next tick, on the health thread
    e.nextTry = clock.instant();
  }

  static Duration backoff(int failures) {
    long ms = 1000L << Math.min(failures - 1, 10);
    return Duration.ofMillis(Math.min(ms, MAX_BACKOFF.toMillis()));
  }

  synchronized Map<Target, State> states() {
    Map<Target, State> m = new LinkedHashMap<>();
    entries.forEach((t, e) -> m.put(t, new State(t, e.up, Optional.ofNullable(e.error), e.since)));
    return m;
  }
}
