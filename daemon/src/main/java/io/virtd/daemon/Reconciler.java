package io.virtd.daemon;

import io.virtd.core.apply.Executor;
import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.ResourcePlan;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Level-triggered reconcile of one guest by name: it looks at the desired state and at the guest,
 * never at what woke it, plans that one guest and carries the plan out under the guest's lock.
 */
public final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final DesiredStore store;
  private final Drivers drivers;
  private final Executor executor;
  private final String owner;
  private final Set<String> formerOwners;
  private final BooleanSupplier restartsAllowed;
  private final Clock clock;
  private final Holds holds;
  private final Prune prune;
  private final Map<String, GuestStatus> status = new ConcurrentHashMap<>();
  private WorkQueue queue;
  private volatile boolean draining;
  private volatile ReconcileEvents events = ReconcileEvents.NONE;
  private volatile Consumer<Drivers.Target> reached = t -> {};

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
    this.drivers = drivers;
    this.executor = executor;
    this.owner = owner;
    this.formerOwners = Set.copyOf(formerOwners);
    this.restartsAllowed = restartsAllowed;
    this.clock = clock;
  }

  void attach(WorkQueue queue) {
    this.queue = queue;
  }

  /** From now on {@code events} hears of every reconcile and status change. */
  void tell(ReconcileEvents events) {
    this.events = events;
  }

  /** Told of each target a reconcile has just read a guest through (so it answers). */
  void onReached(Consumer<Drivers.Target> reached) {
    this.reached = reached;
  }

  /**
   * From now on no step begins on the guest until it is released. A step already under way
   * finishes; it is returned so that the operator is told.
   */
  public Optional<String> hold(String name) {
    Optional<String> running = holds.hold(name);
    Optional.ofNullable(status.computeIfPresent(name, (n, s) -> withHeld(s, true)))
        .ifPresent(events::status);
    return running;
  }

  /**
   * From now on no step begins on any guest (SIGTERM, SIGHUP): the steps under way finish, and the
   * rest waits for the next run's full pass.
   */
  void drain() {
    draining = true;
  }

  /** The executor's gate: a step begins only while not draining, on a guest not held. */
  private boolean mayBegin(String name, String step) {
    if (draining || !holds.mayBegin(name, step)) {
      return false;
    }
    log.info("resource={} step={} started", name, step);
    return true;
  }

  public void release(String name) {
    holds.release(name);
    Optional.ofNullable(status.computeIfPresent(name, (n, s) -> withHeld(s, false)))
        .ifPresent(events::status);
  }

  public boolean isHeld(String name) {
    return holds.isHeld(name);
  }

  public Map<String, GuestStatus> status() {
    return Map.copyOf(status);
  }

  public WorkQueue.Result reconcile(String name) {
    String rid = Long.toHexString(System.nanoTime() & 0xffffffL);
    MDC.put("resource", name);
    MDC.put("rid", rid);
    try {
      return reconcileOne(name);
    } finally {
      MDC.clear();
    }
  }

  private WorkQueue.Result reconcileOne(String name) {
    if (holds.isHeld(name)) {
      log.debug("resource={} held: left as it is", name);
      store.get(name).ifPresent(this::observeHeld);
      return WorkQueue.Result.DONE;
    }
    Optional<VmSpec> spec = store.get(name);
    if (spec.isEmpty()) {
      forget(name);
      return prune.enabled()
          ? pruneIfDue(name)
          : WorkQueue.Result.DONE; // otherwise unmanaged: left as it is
    }
    return converge(spec.get(), "applied");
  }

  /** A held guest is looked at, never acted on, so that status shows it as it is. */
  private void observeHeld(VmSpec spec) {
    record(spec, Planning.planned(spec, drivers, policy()), "held", Optional.empty());
  }

  /** How the daemon plans: as this owner, never re-creating, restarting when allowed now. */
  private PlanPolicy policy() {
    return new PlanPolicy(owner, Set.of(), restartsAllowed.getAsBoolean(), formerOwners);
  }

  /** The guest's manifest is gone and it is left unmanaged: status no longer lists it. */
  void unmanaged(String name) {
    forget(name);
  }

  private void forget(String name) {
    if (status.remove(name) != null) {
      events.forgotten(name);
    }
  }

  /**
   * Removes a guest whose manifest is gone, once {@code prune_grace} has passed, if this owner
   * created it and its last manifest did not protect it. Only the daemon prunes; the planner's
   * owner and protect checks still apply to the removal.
   */
  private WorkQueue.Result pruneIfDue(String name) {
    Optional<Map.Entry<VmSpec, Instant>> gone = store.gone(name);
    if (gone.isEmpty()) {
      return WorkQueue.Result.DONE;
    }
    VmSpec last = gone.get().getKey();
    Duration left = prune.grace().minus(Duration.between(gone.get().getValue(), clock.instant()));
    if (left.compareTo(Duration.ZERO) > 0) {
      if (queue != null) {
        queue.addAfter(name, left);
      }
      return WorkQueue.Result.DONE;
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
    WorkQueue.Result r = converge(new VmSpec(name, values, last.file(), last.pos()), "pruned");
    if (r == WorkQueue.Result.DONE) {
      log.info(
          "resource={} pruned: its manifest has been gone for {} s",
          name,
          prune.grace().toSeconds());
      store.forgetGone(name);
      forget(name);
    }
    return r;
  }

  private WorkQueue.Result converge(VmSpec desired, String success) {
    String name = desired.name();
    long started = System.nanoTime();
    PlanPolicy policy = policy();
    Planning.Planned planned = Planning.planned(desired, drivers, policy);
    ResourcePlan before = planned.plan();
    events.planned(before);
    if (before.error().isPresent()) {
      String err = before.error().get();
      record(desired, planned, "error", Optional.of(err));
      log.warn("resource={} cannot plan: {}", name, err);
      ended(name, ReconcileEvents.Outcome.FAILED, started);
      return before.refused() ? WorkQueue.Result.TERMINAL : WorkQueue.Result.RETRY;
    }
    if (before.steps().isEmpty()) {
      record(desired, planned, settled(before, "in sync"), Optional.empty());
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
      record(desired, planned, "error", Optional.of(e.getMessage()));
      ended(name, ReconcileEvents.Outcome.FAILED, started);
      return WorkQueue.Result.RETRY;
    } finally {
      holds.ended(name);
    }
    if (outcome.halted()) {
      log.info(
          "resource={} {}: the steps left were not begun",
          name,
          draining ? "virtd is stopping or reloading" : "held");
      return WorkQueue.Result.DONE;
    }
    Planning.Planned after = Planning.planned(desired, drivers, policy);
    ResourcePlan now = after.plan();
    if (!outcome.ok() || now.error().isPresent() || !now.steps().isEmpty()) {
      String why =
          outcome.ok()
              ? now.error().orElse("still differs after apply")
              : Optional.ofNullable(failure.get()).orElse("a step failed");
      record(desired, after, "error", Optional.of(why));
      ended(name, ReconcileEvents.Outcome.FAILED, started);
      return WorkQueue.Result.RETRY;
    }
    record(desired, after, settled(now, success), Optional.empty());
    ended(name, ReconcileEvents.Outcome.OK, started);
    return WorkQueue.Result.DONE;
  }

  private void ended(String name, ReconcileEvents.Outcome outcome, long startedNanos) {
    events.reconciled(name, outcome, Duration.ofNanos(System.nanoTime() - startedNanos));
  }

  /**
   * {@code result}, unless the plan holds a create-time difference the daemon never settles (it
   * never re-creates): then the guest is not in sync, as {@code virtctl plan} says.
   */
  private static String settled(ResourcePlan plan, String result) {
    return plan.recreateRequired().isEmpty() ? result : "recreate required";
  }

  private void record(
      VmSpec spec, Planning.Planned planned, String result, Optional<String> error) {
    ResourcePlan plan = planned.plan();
    if (plan.error().isEmpty() || plan.refused()) {
      reached.accept(drivers.targetOf(spec)); // the guest was read: its driver answers
    }
    int retries = queue == null ? 0 : queue.failures(spec.name()) + (error.isPresent() ? 1 : 0);
    GuestStatus s =
        new GuestStatus(
            spec.name(),
            spec.ensure().key(),
            plan.error().isPresent() ? "unknown" : plan.hasChanges() ? "differs" : "as desired",
            result,
            clock.instant(),
            plan.restartPending().stream().map(Field::key).toList(),
            error,
            error.isPresent() ? retries : 0,
            holds.isHeld(spec.name()),
            plan.driver(),
            plan.error().isPresent() && !plan.refused()
                ? "unknown"
                : planned.guest().map(g -> g.state().key()).orElse("missing"),
            GuestStatus.differences(plan, planned.guest()));
    status.put(spec.name(), s);
    events.status(s);
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
        s.differs());
  }
}
