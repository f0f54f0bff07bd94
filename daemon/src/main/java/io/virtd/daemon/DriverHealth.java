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
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every driver target the manifests use: a target that stops answering is reported down and
 * re-opened with capped exponential backoff (re-opening re-registers event listeners); when it
 * answers again — or had to reconnect behind our back — {@code onBack} runs a full pass, because
 * events were lost meanwhile.
 */
final class DriverHealth {
  private static final Logger log = LoggerFactory.getLogger(DriverHealth.class);
  static final Duration CHECK_EVERY = Duration.ofSeconds(5);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** What status shows per target. */
  record State(Target target, boolean up, Optional<String> error, Instant since) {}

  private static final class Entry {
    boolean up = true;
    String error;
    Instant since;
    int failures;
    Instant nextTry = Instant.MIN;
  }

  private final Drivers drivers;
  private final Supplier<Set<Target>> targets;
  private final Consumer<Target> onBack;
  private final Clock clock;
  private final Map<Target, Entry> entries = new LinkedHashMap<>();

  DriverHealth(Drivers drivers, Supplier<Set<Target>> targets, Consumer<Target> onBack, Clock clock) {
    this.drivers = drivers;
    this.targets = targets;
    this.onBack = onBack;
    this.clock = clock;
  }

  /** Checks each target that is due; called every second by the daemon. */
  void tick() {
    for (Target t : targets.get()) {
      Entry e;
      synchronized (this) {
        e = entries.computeIfAbsent(t, k -> {
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

  private void check(Target t, Entry e) {
    boolean back;
    try {
      boolean reconnected = drivers.get(t).ping();
      synchronized (this) {
        back = !e.up || reconnected;
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
    } catch (DriverException ex) {
      synchronized (this) {
        if (e.up) {
          log.warn("{} is down: {}; reconnecting with backoff", t.label(), ex.getMessage());
          e.since = clock.instant();
        }
        e.up = false;
        e.error = ex.getMessage();
        e.failures++;
        e.nextTry = clock.instant().plus(backoff(e.failures));
      }
      drivers.drop(t); // the next get() opens it again and the open hooks re-subscribe to events
      return;
    }
    if (back) {
      onBack.accept(t);
    }
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
