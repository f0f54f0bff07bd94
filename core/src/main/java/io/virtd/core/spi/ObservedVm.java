package io.virtd.core.spi;

import io.virtd.core.manifest.Field;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * A guest as the driver read it from the hypervisor — never echoed from the desired state.
 *
 * @param persistent every field the driver can read from the persistent definition (what the guest
 *     boots with); a field the guest does not have (no description, say) is absent. A create-time
 *     field is reported with the value the guest really has where the hypervisor shows it (as
 *     {@link Unset#VALUE} when it has none), otherwise with what the ownership mark recorded at
 *     creation; absent, it means "cannot be told", which the planner reads as "created without it"
 *     on a guest virtd created (see {@link Capabilities.Builder#absentIsUnknown}) and as unknown on
 *     any other guest
 * @param live the same fields read from the running guest, empty when it does not run
 * @param maxMemoryKiB the running guest's maximum memory (live changes up to it need no restart)
 * @param maxVcpus the running guest's maximum vcpus
 */
public record ObservedVm(
    String name,
    RunState state,
    Map<Field, Object> persistent,
    Map<Field, Object> live,
    Optional<OwnershipMark> mark,
    long maxMemoryKiB,
    int maxVcpus) {

  public ObservedVm {
    persistent = copy(persistent);
    live = copy(live);
  }

  private static Map<Field, Object> copy(Map<Field, Object> m) {
    EnumMap<Field, Object> c = new EnumMap<>(Field.class);
    c.putAll(m);
    return Collections.unmodifiableMap(c);
  }
}
