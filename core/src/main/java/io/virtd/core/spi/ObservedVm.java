package io.virtd.core.spi;

import io.virtd.core.manifest.Field;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A guest as the driver read it from the hypervisor — never echoed from the desired state. A field
 * a running guest has twice, in its persistent definition and in the running guest, is observed as
 * those two halves, and the planner decides each half on its own: a difference in the definition
 * alone is a write of the definition, never a restart.
 *
 * @param persistent every field the driver can read from the persistent definition (what the guest
 *     boots with); a field the guest does not have (no description, say) is absent. A create-time
 *     field is reported with the value the guest really has where the hypervisor shows it (as
 *     {@link Unset#VALUE} when it has none), otherwise with what the ownership mark recorded at
 *     creation; absent, it means "cannot be told", which the planner reads as "created without it"
 *     on a guest virtd created (see {@link Capabilities.Builder#absentIsUnknown}) and as unknown on
 *     any other guest
 * @param live the same fields read from the running guest, empty when it does not run; a field
 *     absent here has no live value of its own (the definition speaks for it)
 * @param maxMemoryKiB the running guest's maximum memory (live changes up to it need no restart)
 * @param maxVcpus the running guest's maximum vcpus
 * @param refusedLive fields whose live change the running guest refused since it started (a balloon
 *     without a driver in the guest, a vcpu it cannot unplug): the running guest gets them at its
 *     next start, so the planner reports them as restart pending instead of trying again
 * @param addresses the running guest's addresses per NIC, each with its source: empty list when it
 *     runs none it could tell (or does not run), {@link Optional#empty()} when they are unknown
 *     (not read in time, or the driver cannot read them). Observed for people only: the planner
 *     never compares them
 */
public record ObservedVm(
    String name,
    RunState state,
    Map<Field, Object> persistent,
    Map<Field, Object> live,
    Optional<OwnershipMark> mark,
    long maxMemoryKiB,
    int maxVcpus,
    Set<Field> refusedLive,
    Optional<List<GuestAddress>> addresses) {

  public ObservedVm {
    persistent = copy(persistent);
    addresses = addresses.map(List::copyOf);
    live = copy(live);
    refusedLive =
        refusedLive.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(refusedLive));
  }

  /** A guest that refused no live change (or does not run). */
  public ObservedVm(
      String name,
      RunState state,
      Map<Field, Object> persistent,
      Map<Field, Object> live,
      Optional<OwnershipMark> mark,
      long maxMemoryKiB,
      int maxVcpus) {
    this(name, state, persistent, live, mark, maxMemoryKiB, maxVcpus, Set.of());
  }

  /** A guest whose addresses are unknown. */
  public ObservedVm(
      String name,
      RunState state,
      Map<Field, Object> persistent,
      Map<Field, Object> live,
      Optional<OwnershipMark> mark,
      long maxMemoryKiB,
      int maxVcpus,
      Set<Field> refusedLive) {
    this(
        name, state, persistent, live, mark, maxMemoryKiB, maxVcpus, refusedLive, Optional.empty());
  }

  /** This guest with {@code addresses} (empty: unknown). */
  public ObservedVm withAddresses(Optional<List<GuestAddress>> addresses) {
    return new ObservedVm(
        name, state, persistent, live, mark, maxMemoryKiB, maxVcpus, refusedLive, addresses);
  }

  private static Map<Field, Object> copy(Map<Field, Object> m) {
    return m instanceof Values v ? v : new Values(m);
  }

  /**
   * An unmodifiable copy of field values, which the next copy (a guest {@link #withAddresses}, say)
   * shares instead of copying again: a plan copies a thousand guests.
   */
  private static final class Values extends AbstractMap<Field, Object> {
    private final EnumMap<Field, Object> values = new EnumMap<>(Field.class);
    private final Set<Entry<Field, Object>> entries;

    Values(Map<Field, Object> m) {
      values.putAll(m);
      entries = Collections.unmodifiableMap(values).entrySet();
    }

    @Override
    public Set<Entry<Field, Object>> entrySet() {
      return entries;
    }

    @Override
    public Object get(Object key) {
      return values.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return values.containsKey(key);
    }

    @Override
    public int size() {
      return values.size();
    }
  }
}
