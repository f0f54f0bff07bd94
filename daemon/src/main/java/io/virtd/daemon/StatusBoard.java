package io.virtd.daemon;

import io.virtd.core.apply.Planning;
import io.virtd.core.control.Comparison;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.Drivers;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What {@code virtctl status} shows: the outcome of each guest's last reconcile, told to the
 * watchers ({@link ReconcileEvents}) as it changes.
 */
final class StatusBoard {
  private final Map<String, GuestStatus> status = new ConcurrentHashMap<>();
  private final Drivers drivers;
  private final Holds holds;
  private final Clock clock;
  private volatile ReconcileEvents events = ReconcileEvents.NONE;
  private volatile Consumer<Drivers.Target> reached = t -> {};

  StatusBoard(Drivers drivers, Holds holds, Clock clock) {
    this.drivers = drivers;
    this.holds = holds;
    this.clock = clock;
  }

  void tell(ReconcileEvents events) {
    this.events = events;
  }

  ReconcileEvents events() {
    return events;
  }

  void onReached(Consumer<Drivers.Target> reached) {
    this.reached = reached;
  }

  Map<String, GuestStatus> snapshot() {
    return Map.copyOf(status);
  }

  /**
   * Records a reconcile's outcome for {@code spec}.
   *
   * @param failures how many reconciles of the guest failed in a row before this one
   */
  void record(
      VmSpec spec, Planning.Planned planned, String result, Optional<String> error, int failures) {
    ResourcePlan plan = planned.plan();
    if (plan.failure().isEmpty() || plan.refused()) {
      reached.accept(drivers.targetOf(spec)); // the guest was read: its driver answers
    }
    GuestStatus s =
        new GuestStatus(
            spec.name(),
            spec.ensure().key(),
            plan.failure().isPresent()
                ? Comparison.UNKNOWN
                : plan.hasChanges() ? Comparison.DIFFERS : Comparison.AS_DESIRED,
            result,
            clock.instant(),
            plan.restartPending().stream().map(Field::key).toList(),
            error,
            error.isPresent() ? failures + 1 : 0,
            holds.isHeld(spec.name()),
            plan.driver(),
            plan.failure().isPresent() && !plan.refused()
                ? "unknown"
                : planned.guest().map(g -> g.state().key()).orElse("missing"),
            GuestStatus.differences(plan, planned.guest()),
            GuestStatus.addresses(plan, planned.guest()));
    status.put(spec.name(), s);
    events.status(s);
  }

  /** The guest was held or released: its status says so at once. */
  void held(String name, boolean held) {
    Optional.ofNullable(status.computeIfPresent(name, (n, s) -> withHeld(s, held)))
        .ifPresent(events::status);
  }

  /** The guest is no longer managed: status no longer lists it. */
  void forget(String name) {
    if (status.remove(name) != null) {
      events.forgotten(name);
    }
  }

  private static GuestStatus withHeld(GuestStatus s, boolean held) {
    return new GuestStatus(
        s.name(),
        s.desired(),
        s.observed(),
        s.lastResult(),
        s.at(),
        s.restartPending(),
        s.lastError(),
        s.retries(),
        held,
        s.driver(),
        s.state(),
        s.differs(),
        s.addresses());
  }
}
