package io.virtd.core.spi;

import io.virtd.core.manifest.HostSpec;
import io.virtd.core.plan.HostChange;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The networks and storage pools of a hypervisor, for a driver that has them ({@link
 * VmDriver#hostResources()}). As for guests, the driver observes and acts and never decides; every
 * call is idempotent and {@code observe} changes nothing.
 */
public interface HostResources {
  /** Every network or every pool on the target, by name. */
  Map<String, ObservedHost> observe(HostSpec.Kind kind) throws DriverException;

  /**
   * The host bridges a guest's interface may name instead of a network; empty when they cannot be
   * told (a remote hypervisor), so no interface name is reported as unknown.
   */
  Optional<Set<String>> bridges();

  /**
   * Defines the resource from {@code spec} with {@code mark}, builds what its type needs (a pool's
   * directory, a volume group from its devices) and sets its autostart; does not start it.
   */
  void create(HostSpec spec, OwnershipMark mark) throws DriverException;

  /**
   * Writes {@code changes} and the mark: a network's DHCP hosts on the running network and in its
   * definition at once, everything else into the definition (a running network gets it when it
   * restarts).
   */
  void update(HostSpec spec, ObservedHost current, List<HostChange> changes, OwnershipMark mark)
      throws DriverException;

  void start(HostSpec.Kind kind, String name) throws DriverException;

  void stop(HostSpec.Kind kind, String name) throws DriverException;

  /**
   * Removes a stopped resource's definition and its mark. A pool's volumes are deleted only when
   * every one of them is virtd's and no guest uses it; otherwise they stay.
   */
  void remove(HostSpec.Kind kind, String name) throws DriverException;
}
