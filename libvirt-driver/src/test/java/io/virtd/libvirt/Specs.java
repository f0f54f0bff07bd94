package io.virtd.libvirt;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.Planner;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.VmDriver;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds resources the way the manifest loader would, and plans them as apply would. */
final class Specs {
  static final String OWNER = "virtd-test";
  static final Path MANIFEST = Path.of("/etc/virtd/manifests/test.yaml");

  private Specs() {}

  /** A resource: {@code virt_type} plus alternating field/value pairs, values already parsed. */
  static VmSpec spec(String name, VirtType type, Object... pairs) {
    Map<Field, Object> values = new EnumMap<>(Field.class);
    values.put(Field.VIRT_TYPE, type);
    for (int i = 0; i < pairs.length; i += 2) {
      values.put((Field) pairs[i], pairs[i + 1]);
    }
    return new VmSpec(name, values, MANIFEST, Pos.START);
  }

  static VmSpec with(VmSpec base, Object... pairs) {
    Map<Field, Object> values = new EnumMap<>(Field.class);
    values.putAll(base.values());
    for (int i = 0; i < pairs.length; i += 2) {
      values.put((Field) pairs[i], pairs[i + 1]);
    }
    return new VmSpec(base.name(), values, base.file(), base.pos());
  }

  static OwnershipMark mark(VmSpec spec, OwnershipMark.Origin origin) {
    return OwnershipMark.forSpec(spec, OWNER, origin);
  }

  static ResourcePlan plan(VmDriver driver, VmSpec spec, Optional<ObservedVm> observed) {
    return Planner.planOne(
        Planner.Input.of(spec, "libvirt " + driver.target(), driver.capabilities(), observed),
        PlanPolicy.of(OWNER));
  }

  /** The field changes of the plan's update step (none when the guest already matches). */
  static List<FieldChange> changes(ResourcePlan plan) {
    return plan.steps().stream()
        .filter(Step.Update.class::isInstance)
        .map(Step.Update.class::cast)
        .flatMap(u -> u.changes().stream())
        .toList();
  }

  static long mib(long n) {
    return n * 1024;
  }
}
