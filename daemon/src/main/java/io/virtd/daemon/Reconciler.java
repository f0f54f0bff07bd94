package io.virtd.daemon;

import io.virtd.core.apply.Executor;
import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
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
  private final BooleanSupplier restartsAllowed;
  private final Clock clock;
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final Map<String, GuestStatus> status = new ConcurrentHashMap<>();
  private WorkQueue queue;

  public Reconciler(
      DesiredStore store, Drivers drivers, Executor executor, String owner, BooleanSupplier restartsAllowed, Clock clock) {
    this.store = store;
    this.drivers = drivers;
    this.executor = executor;
    this.owner = owner;
    this.restartsAllowed = restartsAllowed;
    this.clock = clock;
  }

  void attach(WorkQueue queue) {
    this.queue = queue;
  }

  public void hold(String name) {
    held.add(name);
    status.computeIfPresent(name, (n, s) -> withHeld(s, true));
  }

  public void release(String name) {
    held.remove(name);
    status.computeIfPresent(name, (n, s) -> withHeld(s, false));
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
    if (held.contains(name)) {
      log.debug("resource={} held: left as it is", name);
      return WorkQueue.Result.DONE;
    }
    Optional<VmSpec> spec = store.get(name);
    if (spec.isEmpty()) {
      status.remove(name);
      return WorkQueue.Result.DONE; // unmanaged: its manifest is gone (prune is separate)
    }
    PlanPolicy policy = new PlanPolicy(owner, Set.of(), restartsAllowed.getAsBoolean());
    ResourcePlan before = Planning.plan(List.of(spec.get()), drivers, policy).resources().get(0);
    if (before.error().isPresent()) {
      String err = before.error().get();
      boolean terminal = err.contains("owned by") || err.contains("protect");
      record(spec.get(), before, "error", Optional.of(err));
      log.warn("resource={} cannot plan: {}", name, err);
      return terminal ? WorkQueue.Result.TERMINAL : WorkQueue.Result.RETRY;
    }
    if (before.steps().isEmpty()) {
      record(spec.get(), before, "in sync", Optional.empty());
      return WorkQueue.Result.DONE;
    }
    Executor.Outcome outcome;
    try {
      var driver = drivers.get(drivers.targetOf(spec.get()));
      outcome =
          executor.run(
              before,
              driver,
              e -> {
                if (e.ok()) {
                  log.info("resource={} step={} ok in {} ms{}", name, e.step(), e.took().toMillis(), e.detail().map(d -> ": " + d).orElse(""));
                } else {
                  log.warn("resource={} step={} failed: {}", name, e.step(), e.error().orElse("?"));
                }
              });
    } catch (DriverException e) {
      record(spec.get(), before, "error", Optional.of(e.getMessage()));
      return WorkQueue.Result.RETRY;
    }
    Plan after = Planning.plan(List.of(spec.get()), drivers, policy);
    ResourcePlan now = after.resources().get(0);
    if (!outcome.ok() || now.error().isPresent() || !now.steps().isEmpty()) {
      String why = now.error().orElse(outcome.ok() ? "still differs after apply" : "a step failed");
      record(spec.get(), now, "error", Optional.of(why));
      return WorkQueue.Result.RETRY;
    }
    record(spec.get(), now, "applied", Optional.empty());
    return WorkQueue.Result.DONE;
  }

  private void record(VmSpec spec, ResourcePlan plan, String result, Optional<String> error) {
    int retries = queue == null ? 0 : queue.failures(spec.name()) + (error.isPresent() ? 1 : 0);
    status.put(
        spec.name(),
        new GuestStatus(
            spec.name(),
            spec.ensure().key(),
            plan.error().isPresent() ? "unknown" : plan.steps().isEmpty() ? "as desired" : "differs",
            result,
            clock.instant(),
            plan.restartPending().stream().map(Field::key).toList(),
            error,
            error.isPresent() ? retries : 0,
            held.contains(spec.name())));
  }

  private static GuestStatus withHeld(GuestStatus s, boolean held) {
    return new GuestStatus(
        s.name(), s.desired(), s.observed(), s.lastResult(), s.at(), s.restartPending(), s.lastError(), s.retries(), held);
  }
}
