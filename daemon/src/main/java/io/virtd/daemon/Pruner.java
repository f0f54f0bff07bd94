package io.virtd.daemon;

import io.virtd.core.apply.Executor;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.VmDriver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a guest whose manifest is gone, once {@code prune_grace} has passed, if this owner
 * created it and its last manifest did not protect it; an adopted guest is handed back un-marked.
 * Only the daemon prunes; the planner's owner and protect checks still apply to the removal.
 */
final class Pruner {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class); // its part

  private final DesiredStore store;
  private final Drivers drivers;
  private final Executor executor;
  private final String owner;
  private final Duration grace;
  private final Clock clock;
  private final Converger converger;
  private final StatusBoard board;

  Pruner(
      DesiredStore store,
      Drivers drivers,
      Executor executor,
      String owner,
      Duration grace,
      Clock clock,
      Converger converger,
      StatusBoard board) {
    this.store = store;
    this.drivers = drivers;
    this.executor = executor;
    this.owner = owner;
    this.grace = grace;
    this.clock = clock;
    this.converger = converger;
    this.board = board;
  }

  /**
   * Prunes {@code name} if its grace has passed; before then, asks to be called again when it will
   * have.
   */
  WorkQueue.Result pruneIfDue(String name, int failures) {
    Optional<Map.Entry<VmSpec, Instant>> gone = store.gone(name);
    if (gone.isEmpty()) {
      return WorkQueue.Result.DONE;
    }
    VmSpec last = gone.get().getKey();
    Duration left = grace.minus(Duration.between(gone.get().getValue(), clock.instant()));
    if (left.compareTo(Duration.ZERO) > 0) {
      return WorkQueue.Result.requeueAfter(left);
    }
    if (last.protect()) {
      log.info("resource={} manifest gone; not pruned: its last manifest set protect: true", name);
      store.forgetGone(name);
      return WorkQueue.Result.DONE;
    }
    VmDriver driver;
    Optional<ObservedVm> guest;
    try {
      driver = drivers.get(drivers.targetOf(last));
      guest = driver.observe(name);
    } catch (DriverException e) {
      log.warn("resource={} prune: cannot look at the guest: {}", name, e.getMessage());
      return WorkQueue.Result.RETRY;
    }
    Optional<OwnershipMark> mark = guest.flatMap(ObservedVm::mark);
    boolean ours = mark.isPresent() && mark.get().owner().equals(owner);
    if (ours && mark.get().origin() == OwnershipMark.Origin.ADOPTED) {
      // the spec's Ownership rule: an adopted guest is left running and un-marked
      try {
        executor.unmark(name, driver);
      } catch (DriverException | java.io.IOException e) {
        log.warn(
            "resource={} manifest gone; removing the mark of the adopted guest failed: {}",
            name,
            e.getMessage());
        return WorkQueue.Result.RETRY;
      }
      log.info("resource={} manifest gone; adopted guest handed back as it is, mark removed", name);
      store.forgetGone(name);
      return WorkQueue.Result.DONE;
    }
    if (!ours) { // a mark is either adopted (handled above) or created
      if (guest.isPresent()) {
        log.info("resource={} manifest gone; not pruned: this owner did not create it", name);
      }
      store.forgetGone(name);
      return WorkQueue.Result.DONE;
    }
    Map<Field, Object> values = new EnumMap<>(Field.class);
    values.putAll(last.values());
    values.put(Field.ENSURE, Ensure.ABSENT);
    WorkQueue.Result r =
        converger.converge(new VmSpec(name, values, last.file(), last.pos()), "pruned", failures);
    if (r.equals(WorkQueue.Result.DONE)) {
      log.info("resource={} pruned: its manifest has been gone for {} s", name, grace.toSeconds());
      store.forgetGone(name);
      board.forget(name);
    }
    return r;
  }
}
