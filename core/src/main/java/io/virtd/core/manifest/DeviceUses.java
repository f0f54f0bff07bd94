package io.virtd.core.manifest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The host resources a guest's devices use: the libvirt networks its {@code nics} name and the
 * storage pools its {@code disks} name, each with where the manifest names it (for a plan error
 * when neither exists nor is declared).
 */
public final class DeviceUses {
  private DeviceUses() {}

  public enum Kind {
    NETWORK,
    POOL
  }

  /** One network or pool a guest uses; {@code origin} is {@code FILE:LINE:COL} of its list key. */
  public record Use(Kind kind, String name, String origin) {}

  /**
   * Every network ({@code nics[].network}) and pool ({@code disks[].pool}) {@code spec} names, once
   * each.
   */
  public static List<Use> of(VmSpec spec) {
    Set<Use> out = new LinkedHashSet<>();
    for (Object o : spec.get(Field.NICS).map(List.class::cast).orElse(List.of())) {
      NicSpec n = (NicSpec) o;
      if (n.type() == NicSpec.Type.NETWORK) {
        out.add(new Use(Kind.NETWORK, n.source(), spec.origin(Field.NICS)));
      }
    }
    for (Object o : spec.get(Field.DISKS).map(List.class::cast).orElse(List.of())) {
      DiskSpec d = (DiskSpec) o;
      if (d.pool() != null) {
        out.add(new Use(Kind.POOL, d.pool(), spec.origin(Field.DISKS)));
      }
    }
    return new ArrayList<>(out);
  }
}
