package io.virtd.core.manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * Which networks and pools a guest's manifest names, each with where it was written: the one answer
 * the planner checks against what exists or is declared, and orders by. Keys that name a network or
 * a pool add their lines here.
 */
public final class GuestUses {
  private GuestUses() {}

  /** One network or pool a guest names, and the {@code FILE:LINE:COL} of the key naming it. */
  public record Use(HostSpec.Kind kind, String name, String origin) {}

  public static List<Use> of(VmSpec spec) {
    List<Use> out = new ArrayList<>();
    for (String n : spec.list(Field.INTERFACES)) {
      out.add(new Use(HostSpec.Kind.NETWORK, n, spec.origin(Field.INTERFACES)));
    }
    return out;
  }
}
