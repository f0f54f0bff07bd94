package io.virtd.daemon;

import io.virtd.core.apply.Executor;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.spi.Drivers;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Level-triggered reconcile of one guest by name: it looks at the desired state and at the guest,
 * never at what woke it. A guest with a manifest is converged ({@link Converger}); one whose
 * manifest is gone is pruned when the configuration says so ({@link Pruner}); each outcome goes to
 * the status board ({@link StatusBoard}).
 */
public final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final DesiredStore store;
  private final String owner;
  private final Set<String> formerOwners;
  private final BooleanSupplier restartsAllowed;
  private final Holds holds;
  private final Prune prune;
  private final StatusBoard board;
  private final Converger converger;
  private final Pruner pruner;
  private volatile boolean draining;

  /** The configuration's {@code prune} and {@code prune_grace}. */
  public record Prune(boolean enabled, Duration grace) {
    public static final Prune OFF = new Prune(false, Duration.ofSeconds(60));
  }

  public Reconciler(
      DesiredStore store,
      Drivers drivers,
      Executor executor,
      String owner,
      BooleanSupplier restartsAllowed,
      Clock clock) {
    this(store, drivers, executor, owner, Set.of(), restartsAllowed, clock, new Holds(), Prune.OFF);
  }

  /**
   * {@code holds} is shared so that holds survive a configuration reload; {@code formerOwners} are
   * the configuration's {@code former_owners}.
   */
  public Reconciler(
      DesiredStore store,
      Drivers drivers,
      Executor executor,
      String owner,
      Set<String> formerOwners,
      BooleanSupplier restartsAllowed,
      Clock clock,
      Holds holds,
      Prune prune) {
    this.holds = holds;
    this.prune = prune;
    this.store = store;
    this.owner = owner;
    this.formerOwners = Set.copyOf(formerOwners);
    this.restartsAllowed = restartsAllowed;
    this.board = new StatusBoard(drivers, holds, clock);
    this.converger = new Converger(drivers, executor, holds, board, this::policy, () -> draining);
    this.pruner =
        new Pruner(store, drivers, executor, owner, prune.grace(), clock, converger, board);
  }

  /** From now on {@code events} hears of every reconcile and status change. */
  void tell(ReconcileEvents events) {
    board.tell(events);
  }

  /** Told of each target a reconcile has just read a guest through (so it answers). */
  void onReached(Consumer<Drivers.Target> reached) {
    board.onReached(reached);
  }

  /**
   * From now on no step begins on the guest until it is released. A step already under way
   * finishes; it is returned so that the operator is told.
   */
  public Optional<String> hold(String name) {
    Optional<String> running = holds.hold(name);
    board.held(name, true);
    return running;
  }

  /**
   * From now on no step begins on any guest (SIGTERM, SIGHUP): the steps under way finish, and the
   * rest waits for the next run's full pass.
   */
  void drain() {
    draining = true;
  }

  public void release(String name) {
    holds.release(name);
    board.held(name, false);
  }

  public boolean isHeld(String name) {
    return holds.isHeld(name);
  }

  public Map<String, GuestStatus> status() {
    return board.snapshot();
  }

  /** A reconcile of {@code name} that no earlier reconcile of it failed before. */
  public WorkQueue.Result reconcile(String name) {
    return reconcile(name, 0);
  }

  /**
   * @param failures how many reconciles of {@code name} failed in a row before this one (status
   *     shows it)
   */
  public WorkQueue.Result reconcile(String name, int failures) {
    String rid = Long.toHexString(System.nanoTime() & 0xffffffL);
    MDC.put("resource", name);
    MDC.put("rid", rid);
    try {
      WorkQueue.Result result = reconcileOne(name, failures);
      log.debug(
          "resource={} reconciled: {}{}",
          name,
          result.outcome().name().toLowerCase(java.util.Locale.ROOT),
          result.requeueAfter().map(d -> ", again in " + d.toMillis() + " ms").orElse(""));
      return result;
    } finally {
      MDC.clear();
    }
  }

  private WorkQueue.Result reconcileOne(String name, int failures) {
    if (holds.isHeld(name)) {
      log.debug("resource={} held: left as it is", name);
      store.get(name).ifPresent(converger::observeHeld);
      return WorkQueue.Result.DONE;
    }
    Optional<VmSpec> spec = store.get(name);
    if (spec.isEmpty()) {
      board.forget(name);
      return prune.enabled()
          ? pruner.pruneIfDue(name, failures)
          : WorkQueue.Result.DONE; // otherwise unmanaged: left as it is
    }
    return converger.converge(spec.get(), "applied", failures);
  }

  /** How the daemon plans: as this owner, never re-creating, restarting when allowed now. */
  private PlanPolicy policy() {
    return new PlanPolicy(owner, Set.of(), restartsAllowed.getAsBoolean(), formerOwners);
  }

  /** The guest's manifest is gone and it is left unmanaged: status no longer lists it. */
  void unmanaged(String name) {
    board.forget(name);
  }
}
