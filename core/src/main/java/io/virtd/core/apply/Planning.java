package io.virtd.core.apply;

import io.virtd.core.manifest.DeviceUses;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.HostState;
import io.virtd.core.manifest.PoolSpec;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.HostPlanner;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanError;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.Planner;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.VmDriver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Observes the guests of a set of resources through their drivers and plans them. A target with
 * several resources is read with one {@code observeAll} (one {@code vzlist} for OpenVZ), a single
 * resource with {@code observe(name)}. Guests' addresses are read only for what shows them (the
 * plan JSON, {@code list}, the daemon's status): the planner never compares them.
 */
public final class Planning {
  private Planning() {}

  public static Plan plan(Collection<VmSpec> specs, Drivers drivers, PlanPolicy policy) {
    return Planner.plan(
        guestInputs(specs, drivers, new LinkedHashMap<>(), Set.of(), false), policy);
  }

  /** Each guest's input, in {@code specs}' order; {@code byTarget} gets them by target. */
  private static List<Planner.Input> guestInputs(
      Collection<VmSpec> specs,
      Drivers drivers,
      Map<Drivers.Target, List<VmSpec>> byTarget,
      Set<Path> poolDirectories,
      boolean addresses) {
    for (VmSpec spec : specs) {
      byTarget.computeIfAbsent(drivers.targetOf(spec), t -> new ArrayList<>()).add(spec);
    }
    Map<String, Planner.Input> inputs = new HashMap<>();
    byTarget.forEach(
        (target, group) -> {
          for (Planner.Input in : inputs(target, group, drivers, poolDirectories, addresses)) {
            inputs.put(in.spec().name(), in);
          }
        });
    return specs.stream().map(s -> inputs.get(s.name())).toList();
  }

  /**
   * Guests, networks and pools in one plan. Each target's networks and pools are read once; a
   * guest's interfaces are checked against what its target has or is declared to have.
   */
  public static Plan plan(
      Collection<VmSpec> specs, Collection<HostSpec> hosts, Drivers drivers, PlanPolicy policy) {
    return plan(specs, hosts, drivers, policy, false);
  }

  /**
   * As {@link #plan(Collection, Collection, Drivers, PlanPolicy)}; with {@code addresses}, each
   * observed guest with its addresses (for the plan JSON).
   */
  public static Plan plan(
      Collection<VmSpec> specs,
      Collection<HostSpec> hosts,
      Drivers drivers,
      PlanPolicy policy,
      boolean addresses) {
    Map<Drivers.Target, List<VmSpec>> byTarget = new LinkedHashMap<>();
    List<Planner.Input> guests =
        guestInputs(specs, drivers, byTarget, poolDirectories(hosts), addresses);
    HostObservations seen = new HostObservations(drivers);
    List<HostPlanner.Input> hostInputs = hosts.stream().map(seen::input).toList();
    Map<String, HostPlanner.View> views = new HashMap<>();
    byTarget.forEach(
        (target, group) -> {
          if (group.stream().anyMatch(g -> !DeviceUses.of(g).isEmpty())) {
            seen.view(target, hosts).ifPresent(v -> views.put(target.label(), v));
          }
        });
    return Planner.plan(guests, hostInputs, views, policy);
  }

  /**
   * The directories the pools among {@code hosts} make (or have): a guest's {@code virt_path} may
   * name one before it exists, since pools are created before guests.
   */
  public static Set<Path> poolDirectories(Collection<HostSpec> hosts) {
    Set<Path> out = new HashSet<>();
    for (HostSpec h : hosts) {
      if (h instanceof PoolSpec p && p.ensure() != HostState.ABSENT) {
        p.path().ifPresent(d -> out.add(Path.of(d).normalize()));
      }
    }
    return out;
  }

  /** As {@link #plan(VmSpec, Drivers, PlanPolicy)}, knowing the {@link #poolDirectories}. */
  public static ResourcePlan plan(
      VmSpec spec, Drivers drivers, PlanPolicy policy, Set<Path> poolDirectories) {
    Planner.Input in =
        inputs(drivers.targetOf(spec), List.of(spec), drivers, poolDirectories, false).get(0);
    return Planner.planOne(in, policy);
  }

  /** One guest's plan, as {@link #plan} makes it for a list of one. */
  public static ResourcePlan plan(VmSpec spec, Drivers drivers, PlanPolicy policy) {
    return plan(spec, drivers, policy, Set.of());
  }

  /**
   * One guest's plan and the guest as it was read for it.
   *
   * @param guest the guest as read, empty when it does not exist or could not be read ({@code
   *     plan.error()} says which)
   */
  public record Planned(ResourcePlan plan, Optional<ObservedVm> guest) {}

  /**
   * As {@link #plan(VmSpec, Drivers, PlanPolicy)}, with the guest the plan was made from, its
   * addresses read (for the guest's status).
   */
  public static Planned planned(VmSpec spec, Drivers drivers, PlanPolicy policy) {
    Planner.Input in =
        inputs(drivers.targetOf(spec), List.of(spec), drivers, Set.of(), true).get(0);
    return new Planned(Planner.planOne(in, policy), in.observed());
  }

  /**
   * One hypervisor as {@code virtctl list} shows it: every guest read there with one {@code
   * observeAll}, and the plan of each resource on it.
   *
   * @param guests every guest found, by name; empty when {@code failure} is set
   * @param failure why the hypervisor could not be read
   * @param planned each resource of the manifests on this hypervisor, in manifest order
   */
  public record Survey(
      Drivers.Target target,
      Map<String, ObservedVm> guests,
      Optional<DriverException> failure,
      List<Planned> planned) {
    public Survey {
      guests = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(guests));
      planned = List.copyOf(planned);
    }
  }

  /**
   * Reads every hypervisor of {@code specs} and of {@code alsoRead} once, and plans each resource
   * against what was read (a resource whose guest is missing is planned without the create
   * preflight: listing creates nothing).
   */
  public static List<Survey> survey(
      Collection<VmSpec> specs,
      Collection<Drivers.Target> alsoRead,
      Drivers drivers,
      PlanPolicy policy) {
    Map<Drivers.Target, List<VmSpec>> byTarget = new LinkedHashMap<>();
    for (VmSpec spec : specs) {
      byTarget.computeIfAbsent(drivers.targetOf(spec), t -> new ArrayList<>()).add(spec);
    }
    alsoRead.forEach(t -> byTarget.putIfAbsent(t, new ArrayList<>()));
    List<Survey> out = new ArrayList<>();
    byTarget.forEach(
        (target, group) -> {
          Map<String, ObservedVm> all;
          Capabilities caps;
          try {
            VmDriver d = drivers.get(target);
            caps = d.capabilities();
            all = d.observeAllWithAddresses();
          } catch (DriverException e) {
            List<Planned> failed = new ArrayList<>();
            for (VmSpec spec : group) {
              failed.add(
                  new Planned(
                      ResourcePlan.failed(
                          spec, target.label(), PlanError.unreadable(spec.name(), e)),
                      Optional.empty()));
            }
            out.add(new Survey(target, Map.of(), Optional.of(e), failed));
            return;
          }
          List<Planned> planned = new ArrayList<>();
          for (VmSpec spec : group) {
            Optional<ObservedVm> vm = Optional.ofNullable(all.get(spec.name()));
            planned.add(
                new Planned(
                    Planner.planOne(Planner.Input.of(spec, target.label(), caps, vm), policy), vm));
          }
          out.add(new Survey(target, all, Optional.empty(), planned));
        });
    return out;
  }

  private static List<Planner.Input> inputs(
      Drivers.Target target,
      List<VmSpec> group,
      Drivers drivers,
      Set<Path> poolDirectories,
      boolean addresses) {
    List<Planner.Input> out = new ArrayList<>();
    try {
      VmDriver d = drivers.get(target);
      Map<String, ObservedVm> all =
          group.size() <= 1 ? null : addresses ? d.observeAllWithAddresses() : d.observeAll();
      for (VmSpec spec : group) {
        Optional<ObservedVm> vm =
            all != null
                ? Optional.ofNullable(all.get(spec.name()))
                : addresses ? d.observeWithAddresses(spec.name()) : d.observe(spec.name());
        List<String> unready =
            vm.isEmpty() && spec.ensure() != Ensure.ABSENT
                ? d.preflight(spec, poolDirectories)
                : List.of();
        out.add(
            unready.isEmpty()
                ? Planner.Input.of(spec, target.label(), d.capabilities(), vm)
                : Planner.Input.failed(
                    spec, target.label(), PlanError.notReady(spec.name(), unready)));
      }
    } catch (DriverException e) {
      out.clear();
      for (VmSpec spec : group) {
        out.add(Planner.Input.failed(spec, target.label(), PlanError.unreadable(spec.name(), e)));
      }
    }
    return out;
  }
}
