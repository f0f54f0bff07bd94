package io.virtd.daemon;

import io.virtd.core.apply.Executor;
import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one guest to its manifest: plans it, carries the plan out under the guest's lock, plans
 * again to see that it matches, and records the outcome on the status board.
 */
final class Converger {
  private static final Logger log =
      LoggerFactory.getLogger(Reconciler.class); // the reconciler's part

  private final Drivers drivers;
  private final Executor executor;
  private final Holds holds;
  private final StatusBoard board;
  private final Supplier<PlanPolicy> policy;
  private final BooleanSupplier draining;

  Converger(
      Drivers drivers,
      Executor executor,
      Holds holds,
      StatusBoard board,
      Supplier<PlanPolicy> policy,
      BooleanSupplier draining) {
    this.drivers = drivers;
    this.executor = executor;
    this.holds = holds;
    this.board = board;
    this.policy = policy;
    this.draining = draining;
  }

  /** A held guest is looked at, never acted on, so that status shows it as it is. */
  void observeHeld(VmSpec spec) {
    board.record(spec, Planning.planned(spec, drivers, policy.get()), "held", Optional.empty(), 0);
  }

  /**
   * @param success what status says when the guest matches its manifest afterwards
   * @param failures how many reconciles of the guest failed in a row before this one
   */
  WorkQueue.Result converge(VmSpec desired, String success, int failures) {
    String name = desired.name();
    long started = System.nanoTime();
    PlanPolicy policy = this.policy.get();
    Planning.Planned planned = Planning.planned(desired, drivers, policy);
    ResourcePlan before = planned.plan();
    board.events().planned(before);
    if (before.failure().isPresent()) {
      String err = before.error().orElseThrow();
      board.record(desired, planned, "error", Optional.of(err), failures);
      log.warn("resource={} cannot plan: {}", name, err);
      ended(name, ReconcileEvents.Outcome.FAILED, started);
      return before.refused() ? WorkQueue.Result.TERMINAL : WorkQueue.Result.RETRY;
    }
    if (before.steps().isEmpty()) {
      board.record(desired, planned, settled(before, "in sync"), Optional.empty(), failures);
      ended(name, ReconcileEvents.Outcome.NOOP, started);
      return WorkQueue.Result.DONE;
    }
    Executor.Outcome outcome;
    var failure = new AtomicReference<String>();
    try {
      var driver = drivers.get(drivers.targetOf(desired));
      outcome =
          executor.run(
              before,
              driver,
              e -> {
                holds.ended(name);
                if (e.ok()) {
                  log.info(
                      "resource={} step={} ok in {} ms{}",
                      name,
                      e.step(),
                      e.took().toMillis(),
                      e.detail().map(d -> ": " + d).orElse(""));
                } else {
                  log.warn("resource={} step={} failed: {}", name, e.step(), e.error().orElse("?"));
                  failure.set(e.step() + " failed: " + e.error().orElse("?"));
                }
              },
              step -> mayBegin(name, step),
              new Executor.Contention() {
                @Override
                public void waiting(String guest) {
                  log.info(
                      "resource={} waiting for its lock: virtctl apply is acting on it", guest);
                }

                @Override
                public ResourcePlan replan(ResourcePlan stale) {
                  return Planning.plan(desired, drivers, policy);
                }
              });
    } catch (DriverException e) {
      board.record(desired, planned, "error", Optional.of(e.getMessage()), failures);
      ended(name, ReconcileEvents.Outcome.FAILED, started);
      return WorkQueue.Result.RETRY;
    } finally {
      holds.ended(name);
    }
    if (outcome.halted()) {
      log.info(
          "resource={} {}: the steps left were not begun",
          name,
          draining.getAsBoolean() ? "virtd is stopping or reloading" : "held");
      return WorkQueue.Result.DONE;
    }
    Planning.Planned after = Planning.planned(desired, drivers, policy);
    ResourcePlan now = after.plan();
    if (!outcome.ok() || now.failure().isPresent() || !now.steps().isEmpty()) {
      String why =
          outcome.ok()
              ? now.error().orElse("still differs after apply")
              : Optional.ofNullable(failure.get()).orElse("a step failed");
      board.record(desired, after, "error", Optional.of(why), failures);
      ended(name, ReconcileEvents.Outcome.FAILED, started);
      return WorkQueue.Result.RETRY;
    }
    board.record(desired, after, settled(now, success), Optional.empty(), failures);
    ended(name, ReconcileEvents.Outcome.OK, started);
    return WorkQueue.Result.DONE;
  }

  /** The executor's gate: a step begins only while not draining, on a guest not held. */
  private boolean mayBegin(String name, String step) {
    if (draining.getAsBoolean() || !holds.mayBegin(name, step)) {
      return false;
    }
    log.info("resource={} step={} started", name, step);
    return true;
  }

  private void ended(String name, ReconcileEvents.Outcome outcome, long startedNanos) {
    board.events().reconciled(name, outcome, Duration.ofNanos(System.nanoTime() - startedNanos));
  }

  /**
   * {@code result}, unless the plan holds a create-time difference the daemon never settles (it
   * never re-creates): then the guest is not in sync, as {@code virtctl plan} says.
   */
  private static String settled(ResourcePlan plan, String result) {
    return plan.recreateRequired().isEmpty() ? result : "recreate required";
  }
}
