package io.virtd.core.manifest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which networks and pools a guest's manifest names, each with where it is written: the networks of
 * its {@code interfaces} and {@code nics[].network}, the pools of its {@code disks[].pool}. The one
 * answer the planner checks against what exists or is declared on the guest's target, and orders
 * by.
 */
public final class DeviceUses {
  private DeviceUses() {}

  /**
   * One network or pool a guest names.
   *
   * @param key the key naming it: {@link Field#INTERFACES} (whose names may also be host bridges),
   *     {@link Field#NICS} or {@link Field#DISKS}
   * @param origin {@code FILE:LINE:COL} of the item's {@code network} or {@code pool} key; of the
   *     {@code interfaces} key for an interface
   */
  public record Use(HostSpec.Kind kind, String name, Field key, String origin) {
    /** Whether a host bridge of this name is what the guest means (a name in interfaces). */
    public boolean bridgeWillDo() {
      return key == Field.INTERFACES;
    }
  }

  /** Every network and pool {@code spec} names, once each, where it is first named. */
  public static List<Use> of(VmSpec spec) {
    List<Use> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String n : spec.list(Field.INTERFACES)) {
      add(
          out,
          seen,
          new Use(HostSpec.Kind.NETWORK, n, Field.INTERFACES, spec.origin(Field.INTERFACES)));
    }
    List<?> nics = spec.get(Field.NICS).map(List.class::cast).orElse(List.of());
    for (int i = 0; i < nics.size(); i++) {
      NicSpec n = (NicSpec) nics.get(i);
      if (n.type() == NicSpec.Type.NETWORK) {
        String at = spec.origin(Field.NICS, i, NicSpec.Type.NETWORK.key());
        add(out, seen, new Use(HostSpec.Kind.NETWORK, n.source(), Field.NICS, at));
      }
    }
    List<?> disks = spec.get(Field.DISKS).map(List.class::cast).orElse(List.of());
    for (int i = 0; i < disks.size(); i++) {
      DiskSpec d = (DiskSpec) disks.get(i);
      if (d.pool() != null) {
        String at = spec.origin(Field.DISKS, i, "pool");
        add(out, seen, new Use(HostSpec.Kind.POOL, d.pool(), Field.DISKS, at));
      }
    }
    return out;
  }

  private static void add(List<Use> out, Set<String> seen, Use use) {
    if (seen.add(use.kind() + " " + use.key() + " " + use.name())) {
      out.add(use);
    }
  }
}
