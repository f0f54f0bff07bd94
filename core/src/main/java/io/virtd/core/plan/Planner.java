package io.virtd.core.plan;

import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.Unset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides, without any I/O, what brings each guest to its manifest. Order per guest: adopt, stop,
 * one flush of changed fields, then start or resume, then a restart if one is due — so a guest that
 * is to be started boots with its new definition and a guest that is to be stopped is never
 * started.
 */
public final class Planner {
  private Planner() {}

  /**
   * What the planner knows of one resource.
   *
   * @param observed the guest as read, empty when it does not exist
   * @param error set when the guest could not be observed (driver unavailable, hypervisor down) or
   *     cannot be created yet
   */
  public record Input(
      VmSpec spec,
      String driver,
      Capabilities capabilities,
      Optional<ObservedVm> observed,
      Optional<PlanError> error) {

    public static Input of(
        VmSpec spec, String driver, Capabilities caps, Optional<ObservedVm> observed) {
      return new Input(spec, driver, caps, observed, Optional.empty());
    }

    public static Input failed(VmSpec spec, String driver, PlanError error) {
      return new Input(spec, driver, null, Optional.empty(), Optional.of(error));
    }
  }

  public static Plan plan(List<Input> inputs, PlanPolicy policy) {
    return new Plan(inputs.stream().map(i -> planOne(i, policy)).toList());
  }

  /**
   * Guests, networks and pools in one plan. A guest that names a network or pool its target neither
   * has nor is declared to have ({@code views}, by driver label) cannot be planned; see {@link
   * HostPlanner}.
   */
  public static Plan plan(
      List<Input> guests,
      List<HostPlanner.Input> hosts,
      Map<String, HostPlanner.View> views,
      PlanPolicy policy) {
    List<ResourcePlan> planned =
        guests.stream()
            .map(
                i ->
                    HostPlanner.unknownUse(i, views)
                        .map(e -> ResourcePlan.failed(i.spec(), i.driver(), e))
                        .orElseGet(() -> planOne(i, policy)))
            .toList();
    return new Plan(planned, hosts.stream().map(h -> HostPlanner.plan(h, policy)).toList());
  }

  /** One resource's plan, showing the guest's observed state (never deciding on it). */
  public static ResourcePlan planOne(Input in, PlanPolicy policy) {
    return decide(in, policy).withObserved(in.observed().map(ResourcePlan.Observed::of));
  }

  private static ResourcePlan decide(Input in, PlanPolicy policy) {
    VmSpec spec = in.spec();
    if (in.error().isPresent()) {
      return ResourcePlan.failed(spec, in.driver(), in.error().get());
    }
    if (in.observed().isEmpty()) {
      return switch (spec.ensure()) {
        case ABSENT -> empty(spec, in.driver(), List.of());
        case RUNNING ->
            steps(
                spec,
                in.driver(),
                List.of(new Step.Create(), new Step.Lifecycle(Step.Action.START)));
        default -> steps(spec, in.driver(), List.of(new Step.Create()));
      };
    }
    ObservedVm vm = in.observed().get();
    List<PlanWarning> warnings = new ArrayList<>();
    Optional<Step> claim = vm.mark().isEmpty() ? Optional.of(new Step.Adopt()) : Optional.empty();
    if (vm.mark().isPresent()) {
      var mark = vm.mark().get();
      if (policy.formerOwners().contains(mark.owner()) && !mark.owner().equals(policy.owner())) {
        claim = Optional.of(new Step.Reown(mark.owner(), policy.owner()));
      } else if (!mark.owner().equals(policy.owner())) {
        return ResourcePlan.failed(
            spec, in.driver(), PlanError.ownedByAnother(spec.name(), mark.owner(), policy.owner()));
      }
      if (!mark.manifest().isEmpty()
          && !Path.of(mark.manifest())
              .normalize()
              .equals(spec.file().toAbsolutePath().normalize())) {
        warnings.add(
            new PlanWarning(
                PlanWarning.Reason.MARKED_BY_ANOTHER_MANIFEST,
                null,
                List.of(mark.manifest(), spec.file().toAbsolutePath().normalize().toString())));
      }
    }

    if (spec.ensure() == Ensure.ABSENT) {
      if (spec.protect()) {
        return refused(
            spec, in.driver(), PlanError.Reason.PROTECTED_FROM_REMOVAL, Optional.empty());
      }
      if (vm.mark().isEmpty() && !policy.replace().contains(spec.name())) {
        // a typo in a name must not remove a guest virtd never managed: removal needs consent
        return refused(
            spec,
            in.driver(),
            PlanError.Reason.NOT_MANAGED,
            Optional.of(spec.origin(Field.ENSURE)));
      }
      List<Step> s = new ArrayList<>();
      claim.filter(Step.Adopt.class::isInstance).ifPresent(s::add); // no mark to rewrite
      s.add(new Step.Remove());
      return new ResourcePlan(
          spec, in.driver(), s, List.of(), List.of(), Optional.empty(), warnings);
    }

    boolean active = vm.state().isActive();
    Step.Action lifecycle = lifecycle(spec.ensure(), vm.state());
    // a guest that is (or stays) off while its definition is written gets every change at boot
    boolean runsThroughFlush = active && lifecycle != Step.Action.STOP;

    List<FieldChange> changes = new ArrayList<>();
    List<FieldChange> recreate = new ArrayList<>();
    List<Field> pending = new ArrayList<>();
    for (Map.Entry<Field, Object> e : spec.managed().entrySet()) {
      Field f = e.getKey();
      Object desired = e.getValue();
      if (DeviceLists.handles(f)) {
        DeviceLists.plan(
            f,
            spec,
            desired,
            vm,
            in.capabilities(),
            runsThroughFlush,
            new DeviceLists.Out(changes, recreate, pending));
        continue;
      }
      Object before = vm.persistent().get(f);
      if (f.kind() == Field.Kind.CREATE_TIME) {
        if (!vm.persistent().containsKey(f) && !createdWithout(f, vm, in.capabilities())) {
          continue; // an adopted guest's creation inputs cannot be told
        }
        // A create-time difference re-creates the guest, unless the driver's rule says this
        // value can be applied (a larger disk_size grows the disk, a maximum is rewritten).
        if (!same(f, desired, before)) {
          Mutability m = in.capabilities().mutability(f, desired, vm);
          if (m == Mutability.UNSUPPORTED || m == Mutability.REPLACE) {
            recreate.add(new FieldChange(f, shown(before), desired, Mutability.REPLACE));
            continue;
          }
        }
      }
      planHalves(f, desired, vm, in, runsThroughFlush, changes, recreate, pending, warnings);
    }

    List<Step> s = new ArrayList<>();
    if (!recreate.isEmpty() && policy.replace().contains(spec.name())) {
      if (spec.protect()) {
        return refused(
            spec, in.driver(), PlanError.Reason.PROTECTED_FROM_REPLACEMENT, Optional.empty());
      }
      claim.ifPresent(s::add); // every unmarked guest shows as adopt, replaced or not
      s.add(new Step.Replace(recreate));
      if (spec.ensure() == Ensure.RUNNING) {
        s.add(new Step.Lifecycle(Step.Action.START));
      }
      return new ResourcePlan(
          spec, in.driver(), s, List.of(), List.of(), Optional.empty(), warnings);
    }
    claim.ifPresent(s::add);
    if (lifecycle == Step.Action.STOP) {
      s.add(new Step.Lifecycle(Step.Action.STOP));
    }
    if (!changes.isEmpty()) {
      s.add(new Step.Update(changes));
    }
    if (lifecycle == Step.Action.START || lifecycle == Step.Action.RESUME) {
      s.add(new Step.Lifecycle(lifecycle));
    }
    if (!pending.isEmpty()
        && runsThroughFlush
        && spec.restartOnChange()
        && policy.restartsAllowed()) {
      s.add(new Step.Lifecycle(Step.Action.RESTART));
    }
    return new ResourcePlan(spec, in.driver(), s, recreate, pending, Optional.empty(), warnings);
  }

  /**
   * Plans one field as the two halves a running guest has: the persistent definition (what it boots
   * with) and the running guest. The definition differing alone is a write of the definition
   * ({@code config}), never a restart; the running guest differing is a live change where the
   * driver can make one, otherwise it waits for a restart. When both differ from different values,
   * both halves are shown, each with its own value before.
   */
  private static void planHalves(
      Field f,
      Object desired,
      ObservedVm vm,
      Input in,
      boolean runsThroughFlush,
      List<FieldChange> changes,
      List<FieldChange> recreate,
      List<Field> pending,
      List<PlanWarning> warnings) {
    Object before = vm.persistent().get(f);
    boolean configDiffers = !same(f, desired, before);
    boolean liveKnown = runsThroughFlush && vm.live().containsKey(f);
    Object liveBefore = liveKnown ? vm.live().get(f) : null;
    boolean liveDiffers = liveKnown && !same(f, desired, liveBefore);
    if (!configDiffers && !liveDiffers) {
      return;
    }
    Mutability m = in.capabilities().mutability(f, desired, vm);
    if (m == Mutability.REPLACE) {
      recreate.add(new FieldChange(f, shown(configDiffers ? before : liveBefore), desired, m));
      return;
    }
    if (m == Mutability.UNSUPPORTED) {
      warnings.add(
          new PlanWarning(
              configDiffers
                  ? PlanWarning.Reason.CANNOT_CHANGE
                  : PlanWarning.Reason.CANNOT_CHANGE_RUNNING,
              f,
              List.of(in.driver())));
      return;
    }
    if (!runsThroughFlush) {
      changes.add(new FieldChange(f, shown(before), desired, Mutability.CONFIG));
      return;
    }
    if (!liveKnown || m == Mutability.CONFIG) {
      // the running guest has no value of its own to compare: the definition speaks for it
      if (configDiffers) {
        changes.add(new FieldChange(f, shown(before), desired, m));
        if (m == Mutability.RESTART) {
          pending.add(f);
        }
      }
      return;
    }
    if (!liveDiffers) {
      changes.add(new FieldChange(f, shown(before), desired, Mutability.CONFIG));
      return;
    }
    // a live change the guest refused since it started is not tried again until the definition
    // changes: it waits for the restart
    boolean live = m == Mutability.LIVE && (configDiffers || !vm.refusedLive().contains(f));
    Mutability liveHalf = live ? Mutability.LIVE : Mutability.RESTART;
    if (live || configDiffers) {
      changes.add(new FieldChange(f, shown(liveBefore), desired, liveHalf));
    }
    if (configDiffers && !sameBefore(before, liveBefore)) {
      changes.add(new FieldChange(f, shown(before), desired, Mutability.CONFIG));
    }
    if (!live) {
      pending.add(f);
    }
  }

  /** The lifecycle action {@code ensure} asks of a guest in {@code state}, or null. */
  static Step.Action lifecycle(Ensure ensure, RunState state) {
    return switch (ensure) {
      case RUNNING ->
          switch (state) {
            case SHUTOFF, CRASHED, NOSTATE, SHUTDOWN -> Step.Action.START;
            case PAUSED, PMSUSPENDED -> Step.Action.RESUME;
            default -> null;
          };
      case STOPPED -> state == RunState.SHUTOFF ? null : Step.Action.STOP;
      default -> null;
    };
  }

  /**
   * Whether a create-time field the driver does not report means the guest was created without it:
   * so on a guest virtd created (its mark records every creation input it was given), never on an
   * adopted or unmarked one, and not for fields the driver reports only for some guests.
   */
  static boolean createdWithout(Field f, ObservedVm vm, Capabilities caps) {
    return vm.mark().map(m -> m.origin() == OwnershipMark.Origin.CREATED).orElse(false)
        && !caps.absentIsUnknown(f);
  }

  /**
   * Whether the two halves had the same value before, so one change line tells both. A digest of a
   * secret or a document shows no value either way, and two digests of one document differ by their
   * salt: a single line.
   */
  private static boolean sameBefore(Object persistent, Object live) {
    if (persistent instanceof io.virtd.core.spi.SecretDigest
        || persistent instanceof io.virtd.core.spi.DocumentDigest) {
      return live != null && live.getClass() == persistent.getClass();
    }
    Object a = shown(persistent);
    Object b = shown(live);
    if (a instanceof Number x && b instanceof Number y) {
      return x.longValue() == y.longValue();
    }
    return Objects.equals(a, b);
  }

  /** An observed value as a plan holds it: null for none, a self-comparing value as its text. */
  private static Object shown(Object observed) {
    if (observed instanceof Unset) {
      return null;
    }
    return observed instanceof io.virtd.core.spi.ObservedValue ? observed.toString() : observed;
  }

  /** Equality after normalisation: address lists are sets; everything else compares as values. */
  static boolean same(Field f, Object desired, Object observed) {
    if (observed == null || observed instanceof Unset) {
      return false; // the guest has none; a manifest key always has a value
    }
    if (observed instanceof io.virtd.core.spi.ObservedValue v) {
      return v.matches(desired); // a value the driver compares itself (libvirt's machine aliases)
    }
    if (observed instanceof io.virtd.core.spi.SecretDigest d) {
      return d.matches(desired); // a write-only secret, observed as the hash of what was written
    }
    if (observed instanceof io.virtd.core.spi.DocumentDigest d) {
      return d.matches(desired); // a document written where it is not read back (a cloud-init seed)
    }
    if (f == Field.IPADDR && desired instanceof List<?> a && observed instanceof List<?> b) {
      return new HashSet<>(a).equals(new HashSet<>(b));
    }
    if (desired instanceof Number x && observed instanceof Number y) {
      return x.longValue() == y.longValue();
    }
    return Objects.equals(desired, observed);
  }

  private static ResourcePlan refused(
      VmSpec spec, String driver, PlanError.Reason reason, Optional<String> location) {
    return ResourcePlan.failed(spec, driver, PlanError.refused(reason, spec.name(), location));
  }

  private static ResourcePlan empty(VmSpec spec, String driver, List<PlanWarning> warnings) {
    return new ResourcePlan(
        spec, driver, List.of(), List.of(), List.of(), Optional.empty(), warnings);
  }

  private static ResourcePlan steps(VmSpec spec, String driver, List<Step> steps) {
    return new ResourcePlan(spec, driver, steps, List.of(), List.of(), Optional.empty(), List.of());
  }
}
