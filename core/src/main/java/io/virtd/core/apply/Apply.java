package io.virtd.core.apply;

import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.HostPlan;
import io.virtd.core.plan.HostStep;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code virtctl apply}: carry out a plan, then re-observe every guest it touched and plan again.
 * Anything left to do then is a driver that produced an inconsistent result.
 */
public final class Apply {
  private Apply() {}

  /**
   * @param failed resources whose step failed or that could not be planned
   * @param inconsistent resources still differing after apply, with what still differs
   * @param halted resources whose remaining steps were not begun: the gate closed (interrupted)
   * @param after the plan computed from what was read back
   */
  public record Result(
      List<String> failed, List<String> inconsistent, List<String> halted, Plan after) {
    /**
     * The spec's exit status: 0 converged, 1 failure, inconsistency or interruption, 3
     * restart/recreate pending.
     */
    public int exitCode() {
      if (!failed.isEmpty() || !inconsistent.isEmpty() || !halted.isEmpty()) {
        return 1;
      }
      boolean pending =
          after.resources().stream()
                  .anyMatch(r -> !r.restartPending().isEmpty() || !r.recreateRequired().isEmpty())
              || after.hosts().stream()
                  .anyMatch(h -> !h.restartPending().isEmpty() || !h.recreateRequired().isEmpty());
      return pending ? 3 : 0;
    }
  }

  public static Result run(
      Plan plan,
      Drivers drivers,
      Executor executor,
      PlanPolicy policy,
      Consumer<ApplyEvent> events) {
    return run(plan, drivers, executor, policy, events, 1);
  }

  /**
   * Carries out {@code plan}, up to {@code parallel} guests at a time (each guest's steps stay in
   * order, under its lock), then re-plans what it touched. {@code events} must be thread-safe when
   * {@code parallel} is above 1.
   */
  public static Result run(
      Plan plan,
      Drivers drivers,
      Executor executor,
      PlanPolicy policy,
      Consumer<ApplyEvent> events,
      int parallel) {
    return run(plan, drivers, executor, policy, events, parallel, Executor.Gate.OPEN, name -> {});
  }

  /**
   * As above; {@code gate} is asked before every step of every guest, and a closed gate ends each
   * guest's steps there (an interrupted apply: steps under way finish, no new one begins). A guest
   * whose lock another process holds is reported to {@code waiting}, and planned again once its
   * lock is free (the daemon may have done some of the work meanwhile).
   */
  public static Result run(
      Plan plan,
      Drivers drivers,
      Executor executor,
      PlanPolicy policy,
      Consumer<ApplyEvent> events,
      int parallel,
      Executor.Gate gate,
      Consumer<String> waiting) {
    java.util.Set<java.nio.file.Path> poolDirectories =
        Planning.poolDirectories(plan.hosts().stream().map(HostPlan::spec).toList());
    Executor.Contention contention =
        new Executor.Contention() {
          @Override
          public void waiting(String name) {
            waiting.accept(name);
          }

          @Override
          public ResourcePlan replan(ResourcePlan stale) {
            return Planning.plan(stale.spec(), drivers, policy, poolDirectories);
          }
        };
    java.util.Set<String> failedNames = java.util.concurrent.ConcurrentHashMap.newKeySet();
    HostExecutor hostExecutor = new HostExecutor(policy.owner());
    List<String> hostsFailed = new ArrayList<>();
    for (HostPlan h : plan.hostsBefore()) {
      runHost(h, drivers, hostExecutor, events, gate, hostsFailed);
    }
    java.util.Set<String> haltedNames = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<VmSpec> touched = new ArrayList<>();
    List<ResourcePlan> work = new ArrayList<>();
    for (ResourcePlan r : plan.resources()) {
      touched.add(r.spec()); // the plan after apply shows every resource, those in error too
      if (r.failure().isPresent()) {
        failedNames.add(r.name());
        continue;
      }
      if (!r.steps().isEmpty()) {
        work.add(r);
      }
    }
    Consumer<ResourcePlan> one =
        r -> {
          try {
            var driver = drivers.get(drivers.targetOf(r.spec()));
            Executor.Outcome outcome = executor.run(r, driver, events, gate, contention);
            if (!outcome.ok()) {
              failedNames.add(r.name());
            } else if (outcome.halted()) {
              haltedNames.add(r.name());
            }
          } catch (DriverException e) {
            failedNames.add(r.name());
          }
        };
    if (parallel <= 1 || work.size() <= 1) {
      work.forEach(one);
    } else {
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(
              Math.min(parallel, work.size()),
              t -> {
                Thread th = new Thread(t, "virtd-apply");
                th.setDaemon(true);
                return th;
              });
      try {
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (ResourcePlan r : work) {
          done.add(pool.submit(() -> one.accept(r)));
        }
        for (var f : done) {
          f.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("apply interrupted", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("apply failed unexpectedly", e.getCause());
      } finally {
        pool.shutdownNow();
      }
    }
    for (HostPlan h : plan.hostsAfter()) {
      runHost(h, drivers, hostExecutor, events, gate, hostsFailed);
    }
    // in plan order, whatever order the parallel guests finished in
    List<String> failed = new ArrayList<>(hostsFailed);
    plan.resources().stream()
        .map(ResourcePlan::name)
        .filter(failedNames::contains)
        .forEach(failed::add);
    List<String> halted =
        plan.resources().stream().map(ResourcePlan::name).filter(haltedNames::contains).toList();
    // after apply, --replace has been used up: re-plan without it
    PlanPolicy again =
        new PlanPolicy(
            policy.owner(), java.util.Set.of(), policy.restartsAllowed(), policy.formerOwners());
    Plan after =
        plan.hosts().isEmpty()
            ? Planning.plan(touched, drivers, again)
            : Planning.plan(
                touched, plan.hosts().stream().map(HostPlan::spec).toList(), drivers, again);
    List<String> inconsistent = new ArrayList<>();
    for (ResourcePlan r : after.resources()) {
      if (failed.contains(r.name()) || halted.contains(r.name())) {
        continue;
      }
      if (r.failure().isPresent()) {
        inconsistent.add(r.name() + ": " + r.error().get());
      } else if (!r.steps().isEmpty()) {
        inconsistent.add(r.name() + ": " + describe(r));
      }
    }
    for (HostPlan h : after.hosts()) {
      if (hostsFailed.contains(h.spec().address())) {
        continue;
      }
      if (h.failure().isPresent()) {
        inconsistent.add(h.spec().address() + ": " + h.error().get());
      } else if (!h.steps().isEmpty()) {
        inconsistent.add(
            h.spec().address()
                + ": "
                + String.join(", ", h.steps().stream().map(HostStep::key).toList())
                + " still needed");
      }
    }
    return new Result(failed, inconsistent, halted, after);
  }

  /** A network or pool, between the gate and its driver; a failure is named by its address. */
  private static void runHost(
      HostPlan h,
      Drivers drivers,
      HostExecutor executor,
      Consumer<ApplyEvent> events,
      Executor.Gate gate,
      List<String> failed) {
    if (h.failure().isEmpty()
        && (h.steps().isEmpty() || !gate.mayBegin(HostStep.key(h.steps().get(0))))) {
      return; // nothing to do, or interrupted: a failure is still reported
    }
    try {
      var hr = drivers.get(drivers.targetOf(h.spec())).hostResources();
      if (hr.isEmpty() || !executor.run(h, hr.get(), events)) {
        failed.add(h.spec().address());
      }
    } catch (DriverException e) {
      failed.add(h.spec().address());
    }
  }

  private static String describe(ResourcePlan r) {
    List<String> parts = new ArrayList<>();
    for (var s : r.steps()) {
      if (s instanceof io.virtd.core.plan.Step.Update u) {
        u.changes()
            .forEach(
                c ->
                    parts.add(
                        c.field().key()
                            + " is "
                            + io.virtd.core.plan.PlanJson.text(c.field(), c.before())
                            + ", wanted "
                            + io.virtd.core.plan.PlanJson.text(c.field(), c.after())));
      } else {
        parts.add(Executor.stepName(s) + " still needed");
      }
    }
    return String.join("; ", parts);
  }
}
