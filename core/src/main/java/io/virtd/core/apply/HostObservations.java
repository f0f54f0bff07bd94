package io.virtd.core.apply;

import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.HostState;
import io.virtd.core.plan.HostPlanner;
import io.virtd.core.plan.PlanError;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.HostResources;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.VmDriver;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The networks and pools of each target, each kind read once per plan, as the {@link HostPlanner}
 * takes them.
 */
final class HostObservations {
  private final Drivers drivers;
  private final Map<Drivers.Target, Map<HostSpec.Kind, Map<String, ObservedHost>>> read =
      new HashMap<>();

  HostObservations(Drivers drivers) {
    this.drivers = drivers;
  }

  HostPlanner.Input input(HostSpec spec) {
    Drivers.Target target = drivers.targetOf(spec);
    try {
      Optional<HostResources> hr = drivers.get(target).hostResources();
      if (hr.isEmpty()) {
        return HostPlanner.Input.unsupported(spec, target.label());
      }
      return HostPlanner.Input.of(
          spec,
          target.label(),
          Optional.ofNullable(all(target, hr.get(), spec.kind()).get(spec.name())));
    } catch (DriverException e) {
      // at the document: on a host without libvirt (OpenVZ only) this is where the fix goes
      return HostPlanner.Input.failed(
          spec,
          target.label(),
          new PlanError(
              PlanError.Reason.UNREADABLE,
              e.kind(),
              Optional.of(spec.origin()),
              spec.name(),
              List.of(String.valueOf(e.getMessage()))));
    }
  }

  /**
   * What the guests of {@code target} may name: its networks and pools, those declared for it (and
   * not absent), its bridges. Empty when its driver has no networks, or they cannot be read (the
   * guests' own observation reports an unreachable target).
   */
  Optional<HostPlanner.View> view(Drivers.Target target, Collection<HostSpec> declared) {
    try {
      VmDriver d = drivers.get(target);
      Optional<HostResources> hr = d.hostResources();
      if (hr.isEmpty()) {
        return Optional.empty();
      }
      Set<String> networks = new HashSet<>(all(target, hr.get(), HostSpec.Kind.NETWORK).keySet());
      Set<String> pools = new HashSet<>(all(target, hr.get(), HostSpec.Kind.POOL).keySet());
      for (HostSpec h : declared) {
        if (drivers.targetOf(h).equals(target) && h.ensure() != HostState.ABSENT) {
          (h.kind() == HostSpec.Kind.NETWORK ? networks : pools).add(h.name());
        }
      }
      return Optional.of(new HostPlanner.View(networks, pools, hr.get().bridges()));
    } catch (DriverException e) {
      return Optional.empty();
    }
  }

  private Map<String, ObservedHost> all(Drivers.Target target, HostResources hr, HostSpec.Kind kind)
      throws DriverException {
    Map<HostSpec.Kind, Map<String, ObservedHost>> byKind =
        read.computeIfAbsent(target, t -> new HashMap<>());
    Map<String, ObservedHost> m = byKind.get(kind);
    if (m == null) {
      m = hr.observe(kind);
      byKind.put(kind, m);
    }
    return m;
  }
}
