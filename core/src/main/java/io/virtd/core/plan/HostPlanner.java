package io.virtd.core.plan;

import io.virtd.core.manifest.DeviceUses;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.HostState;
import io.virtd.core.manifest.NetworkSpec;
import io.virtd.core.manifest.PoolSpec;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.OwnershipMark;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, without any I/O, what brings each network and pool to its manifest, and whether the
 * networks and pools a guest names are there. Part of {@link Planner}: its {@code plan} calls this
 * for every network and pool and puts them in the same {@link Plan}.
 *
 * <p>Per resource: create or adopt, stop, one update of changed keys, start, then a restart when
 * one is due and allowed. A key that needs a running resource restarted (a network's {@code
 * forward}, {@code bridge}, {@code ip}, {@code dhcp.range}; a pool's {@code path}) is left pending
 * and listed with the running guests it would cut off, unless the network says {@code restart:
 * on_change}.
 */
public final class HostPlanner {
  private HostPlanner() {}

  /**
   * What the planner knows of one network or pool.
   *
   * @param observed as read, empty when it does not exist
   * @param error set when it could not be read, or its target has no networks and pools
   */
  public record Input(
      HostSpec spec, String driver, Optional<ObservedHost> observed, Optional<PlanError> error) {
    public static Input of(HostSpec spec, String driver, Optional<ObservedHost> observed) {
      return new Input(spec, driver, observed, Optional.empty());
    }

    public static Input failed(HostSpec spec, String driver, PlanError error) {
      return new Input(spec, driver, Optional.empty(), Optional.of(error));
    }

    /** For a target whose driver manages guests only. */
    public static Input unsupported(HostSpec spec, String driver) {
      return failed(
          spec,
          driver,
          PlanError.of(
              PlanError.Reason.NO_HOST_RESOURCES,
              spec.name(),
              spec.origin(),
              List.of(driver.split(" ", 2)[0])));
    }
  }

  /**
   * The networks and pools one target has or is declared to have, and its host bridges (empty when
   * they cannot be told): what a guest's keys may name there.
   */
  public record View(Set<String> networks, Set<String> pools, Optional<Set<String>> bridges) {
    public View {
      networks = Set.copyOf(networks);
      pools = Set.copyOf(pools);
      bridges = bridges.map(Set::copyOf);
    }
  }

  /**
   * Why a guest cannot be planned: a network or pool it names ({@link DeviceUses}) neither exists
   * nor is declared on its target (the error is at the key naming it). Empty when its target has no
   * {@link View} (a driver without networks, whose interfaces name host bridges).
   */
  public static Optional<PlanError> unknownUse(Planner.Input guest, Map<String, View> views) {
    View v = views.get(guest.driver());
    if (v == null || guest.error().isPresent()) {
      return Optional.empty();
    }
    for (DeviceUses.Use use : DeviceUses.of(guest.spec())) {
      boolean known =
          switch (use.kind()) {
            case NETWORK ->
                v.networks().contains(use.name())
                    || use.bridgeWillDo()
                        && v.bridges().map(b -> b.contains(use.name())).orElse(true);
            case POOL -> v.pools().contains(use.name());
          };
      if (!known) {
        PlanError.Reason reason =
            use.kind() == HostSpec.Kind.NETWORK
                ? PlanError.Reason.UNKNOWN_NETWORK
                : PlanError.Reason.UNKNOWN_POOL;
        return Optional.of(
            PlanError.of(reason, guest.spec().name(), use.origin(), List.of(use.name())));
      }
    }
    return Optional.empty();
  }

  public static HostPlan plan(Input in, PlanPolicy policy) {
    HostSpec spec = in.spec();
    if (in.error().isPresent()) {
      return HostPlan.failed(spec, in.driver(), in.error().get());
    }
    if (in.observed().isEmpty()) {
      return switch (spec.ensure()) {
        case ABSENT -> steps(spec, in.driver(), List.of());
        case RUNNING ->
            steps(
                spec,
                in.driver(),
                List.of(new HostStep.Create(), new HostStep.Lifecycle(Step.Action.START)));
        case STOPPED -> steps(spec, in.driver(), List.of(new HostStep.Create()));
      };
    }
    ObservedHost found = in.observed().get();
    Optional<OwnershipMark> mark = found.mark();
    if (mark.isPresent()
        && !mark.get().owner().equals(policy.owner())
        && !policy.formerOwners().contains(mark.get().owner())) {
      return HostPlan.failed(
          spec,
          in.driver(),
          PlanError.ownedByAnother(spec.name(), mark.get().owner(), policy.owner()));
    }
    if (spec.ensure() == HostState.ABSENT) {
      if (mark.isEmpty() || mark.get().origin() != OwnershipMark.Origin.CREATED) {
        return HostPlan.failed(
            spec,
            in.driver(),
            PlanError.of(
                PlanError.Reason.NOT_CREATED, spec.name(), spec.origin("ensure"), List.of()));
      }
      if (!found.users().isEmpty()) {
        return HostPlan.failed(
            spec,
            in.driver(),
            PlanError.of(
                PlanError.Reason.IN_USE, spec.name(), spec.origin("ensure"), found.users()));
      }
      return steps(spec, in.driver(), List.of(new HostStep.Remove()));
    }
    Step.Action lifecycle =
        spec.ensure() == HostState.RUNNING && !found.active()
            ? Step.Action.START
            : spec.ensure() == HostState.STOPPED && found.active() ? Step.Action.STOP : null;
    boolean running = found.active() && lifecycle != Step.Action.STOP;
    List<HostChange> changes = new ArrayList<>();
    List<HostChange> restartChanges = new ArrayList<>();
    List<HostChange> recreate = new ArrayList<>();
    for (Map.Entry<String, Object> e : spec.managed().entrySet()) {
      Object before = found.values().get(e.getKey());
      if (same(e.getValue(), before)) {
        continue;
      }
      switch (how(spec, e.getKey())) {
        case LIVE ->
            changes.add(
                new HostChange(
                    e.getKey(),
                    before,
                    e.getValue(),
                    running ? Mutability.LIVE : Mutability.CONFIG));
        case RESTART ->
            (running ? restartChanges : changes)
                .add(
                    new HostChange(
                        e.getKey(),
                        before,
                        e.getValue(),
                        running ? Mutability.RESTART : Mutability.CONFIG));
        default ->
            recreate.add(new HostChange(e.getKey(), before, e.getValue(), Mutability.REPLACE));
      }
    }
    boolean restart =
        !restartChanges.isEmpty() && spec.restartOnChange() && policy.restartsAllowed();
    if (restart) {
      changes.addAll(restartChanges);
    }
    List<HostStep> s = new ArrayList<>();
    if (mark.isEmpty()) {
      s.add(new HostStep.Adopt());
    }
    if (lifecycle == Step.Action.STOP) {
      s.add(new HostStep.Lifecycle(Step.Action.STOP));
    }
    if (!changes.isEmpty()) {
      s.add(new HostStep.Update(changes));
    }
    if (lifecycle == Step.Action.START) {
      s.add(new HostStep.Lifecycle(Step.Action.START));
    }
    if (restart) {
      s.add(new HostStep.Lifecycle(Step.Action.RESTART));
    }
    List<String> pending = restartChanges.stream().map(HostChange::key).toList();
    return new HostPlan(
        spec,
        in.driver(),
        s,
        recreate,
        pending,
        pending.isEmpty() ? List.of() : found.users(),
        Optional.empty());
  }

  /** How a change of {@code key} reaches the resource, as its spec declares it. */
  private static Mutability how(HostSpec spec, String key) {
    return switch (spec.kind()) {
      case NETWORK ->
          switch (networkKey(key).change()) {
            case LIVE -> Mutability.LIVE;
            case RESTART -> Mutability.RESTART;
            default -> Mutability.UNSUPPORTED;
          };
      case POOL ->
          switch (poolKey(key).change()) {
            case LIVE -> Mutability.LIVE;
            case RESTART -> Mutability.RESTART;
            default -> Mutability.REPLACE;
          };
    };
  }

  private static NetworkSpec.Key networkKey(String key) {
    for (NetworkSpec.Key k : NetworkSpec.Key.values()) {
      if (k.key().equals(key)) {
        return k;
      }
    }
    throw new IllegalArgumentException("not a network key: " + key);
  }

  private static PoolSpec.Key poolKey(String key) {
    for (PoolSpec.Key k : PoolSpec.Key.values()) {
      if (k.key().equals(key)) {
        return k;
      }
    }
    throw new IllegalArgumentException("not a pool key: " + key);
  }

  /** DHCP hosts compare as sets: their order means nothing to dnsmasq. */
  static boolean same(Object desired, Object observed) {
    if (observed == null) {
      return false;
    }
    if (desired instanceof List<?> a && observed instanceof List<?> b) {
      return a.size() == b.size() && new HashSet<>(a).equals(new HashSet<>(b));
    }
    return Objects.equals(desired, observed);
  }

  private static HostPlan steps(HostSpec spec, String driver, List<HostStep> steps) {
    return new HostPlan(spec, driver, steps, List.of(), List.of(), List.of(), Optional.empty());
  }
}
