package io.virtd.daemon;

import io.virtd.core.apply.Apply;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.plan.HostPlan;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.spi.Drivers;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges the networks and pools of the manifests, on every full pass and before the guests are
 * queued: libvirt-java has no network or pool events, so a network destroyed out of band is started
 * again by the next pass (the configuration's {@code schedule}).
 */
final class HostPass {
  private static final Logger log = LoggerFactory.getLogger(HostPass.class);

  private final DesiredStore store;
  private final Drivers drivers;
  private final Executor executor;
  private final Supplier<PlanPolicy> policy;

  HostPass(DesiredStore store, Drivers drivers, Executor executor, Supplier<PlanPolicy> policy) {
    this.store = store;
    this.drivers = drivers;
    this.executor = executor;
    this.policy = policy;
  }

  void run() {
    List<HostSpec> hosts = store.hostResources();
    if (hosts.isEmpty()) {
      return;
    }
    try {
      PlanPolicy p = policy.get();
      Plan plan = Planning.plan(List.of(), hosts, drivers, p);
      for (HostPlan h : plan.hosts()) {
        h.error().ifPresent(e -> log.warn("resource={} {}", h.spec().address(), e));
      }
      if (!plan.hasChanges()) {
        return;
      }
      Apply.run(
          plan,
          drivers,
          executor,
          p,
          e ->
              log.info(
                  "resource={} {} {}{}",
                  e.name(),
                  e.step(),
                  e.ok() ? "ok" : "failed",
                  e.error().map(m -> ": " + m).orElse("")));
    } catch (RuntimeException e) {
      log.warn("networks and pools not converged this pass: {}", e.toString());
    }
  }
}
