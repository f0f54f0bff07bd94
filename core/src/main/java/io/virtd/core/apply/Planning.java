package io.virtd.core.apply;

import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.Planner;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.VmDriver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Observes the guests of a set of resources through their drivers and plans them. */
public final class Planning {
  private Planning() {}

  public static Plan plan(Collection<VmSpec> specs, Drivers drivers, PlanPolicy policy) {
    List<Planner.Input> inputs = new ArrayList<>();
    for (VmSpec spec : specs) {
      inputs.add(input(spec, drivers));
    }
    return Planner.plan(inputs, policy);
  }

  static Planner.Input input(VmSpec spec, Drivers drivers) {
    Drivers.Target target = drivers.targetOf(spec);
    try {
      VmDriver d = drivers.get(target);
      return Planner.Input.of(spec, target.label(), d.capabilities(), d.observe(spec.name()));
    } catch (DriverException e) {
      return Planner.Input.failed(spec, target.label(), e.getMessage());
    }
  }
}
