package io.virtd.core.spi;

import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A hypervisor driver: it observes and acts, it never decides (the {@code Planner} does). Every
 * call is idempotent; {@code observe*} never changes the guest.
 */
public interface VmDriver extends AutoCloseable {
  DriverKind kind();

  /** Where the guests live, e.g. {@code qemu:///system}; shown in plans. */
  String target();

  Capabilities capabilities();

  /**
   * The guest called {@code name}, or empty when there is none. Its addresses may be unknown: a
   * driver that has to ask the hypervisor or the guest for them leaves them out here, since the
   * planner never compares them (see {@link #observeWithAddresses}).
   */
  Optional<ObservedVm> observe(String name) throws DriverException;

  /** Every guest on the target, by name, as {@link #observe} reads each. */
  Map<String, ObservedVm> observeAll() throws DriverException;

  /**
   * As {@link #observe}, with the running guest's addresses, read within the driver's bound (see
   * {@link ObservedVm#addresses}): for what shows them. The default: as {@link #observe}.
   */
  default Optional<ObservedVm> observeWithAddresses(String name) throws DriverException {
    return observe(name);
  }

  /** As {@link #observeAll}, with addresses as {@link #observeWithAddresses} reads them. */
  default Map<String, ObservedVm> observeAllWithAddresses() throws DriverException {
    return observeAll();
  }

  /**
   * What would make {@link #create} fail that can be seen without changing anything (a file the
   * manifest names is missing), each problem as {@code FILE:LINE:COL: message} naming the key; the
   * plan reports them as the resource's error instead of promising a create. The default: none.
   */
  default List<String> preflight(VmSpec spec) {
    return List.of();
  }

  /**
   * As {@link #preflight(VmSpec)}, knowing the directories that storage pools planned with the
   * guest make before it is created ({@code virt_path} may name one that does not exist yet). The
   * default: that knowledge changes nothing.
   */
  default List<String> preflight(VmSpec spec, Set<java.nio.file.Path> poolDirectories) {
    return preflight(spec);
  }

  /**
   * Why removing the guest now would harm another one (its disk is another guest's backing file),
   * asked before a removal stops anything; {@link #remove} refuses for the same reason. Default:
   * nothing.
   */
  default Optional<String> whyNotRemovable(String name) throws DriverException {
    return Optional.empty();
  }

  /** Defines the guest from {@code spec} (with its defaults) and marks it; does not start it. */
  void create(VmSpec spec, OwnershipMark mark) throws DriverException;

  /**
   * One flush (Puppet's {@code flush}): writes {@code changes} and the mark into the persistent
   * definition and applies the {@link Mutability#LIVE} ones to the running guest.
   *
   * @return the fields whose live change the guest did not honour (they wait for a restart)
   */
  Set<io.virtd.core.manifest.Field> update(
      VmSpec spec, ObservedVm current, List<FieldChange> changes, OwnershipMark mark)
      throws DriverException;

  void start(String name) throws DriverException;

  void resume(String name) throws DriverException;

  /**
   * Stops the guest gracefully (through the guest agent when one answers, else ACPI shutdown) and
   * forces it off when {@code timeout} passes.
   *
   * @return true when the guest had to be forced off
   */
  boolean stop(String name, Duration timeout) throws DriverException;

  /** Forces the guest off at once. */
  void destroy(String name) throws DriverException;

  /**
   * Removes virtd's ownership mark from a guest and nothing else (an adopted guest whose manifest
   * is gone is handed back as it was). No-op when the guest or the mark is missing.
   */
  void unmark(String name) throws DriverException;

  /** Removes a stopped guest's definition and the storage virtd created for it. */
  void remove(String name) throws DriverException;

  /**
   * Finishes what a run of this owner, killed half-way through a create or a remove, left: storage
   * made for a guest that was never defined, volumes of a guest that was undefined. Called by apply
   * and the daemon right after opening the driver, never by plan (which changes nothing); problems
   * are logged, not thrown. The default: a driver whose steps leave nothing half-done.
   */
  default void finishInterrupted() {}

  /**
   * Calls {@code onChange} with a guest's name whenever the hypervisor reports that it started,
   * stopped, crashed, was defined or undefined — also after the driver reconnects. The default
   * driver has no events: the daemon's scheduled passes still catch every drift.
   */
  default void watch(java.util.function.Consumer<String> onChange) throws DriverException {}

  /**
   * A cheap call that proves the target answers, reconnecting if needed. Returns true when the
   * driver had to reconnect since the previous call, so events may have been missed meanwhile and
   * the caller should look at every guest again. The default: nothing to reach, never reconnects.
   */
  default boolean ping() throws DriverException {
    return false;
  }

  /**
   * The target's networks and storage pools, when this driver manages them; empty (the default) for
   * a driver with guests only, where a {@code network} or {@code pool} manifest is a plan error.
   */
  default Optional<HostResources> hostResources() {
    return Optional.empty();
  }

  @Override
  void close();
}
