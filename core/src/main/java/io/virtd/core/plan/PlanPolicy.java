package io.virtd.core.plan;

import java.util.Set;

/**
 * What the planner may decide beyond the manifests.
 *
 * @param owner this host's owner name, as written in ownership marks
 * @param replace guests {@code apply --replace} may re-create
 * @param restartsAllowed whether {@code restart: on_change} may restart now (false outside the
 *     daemon's maintenance window)
 */
public record PlanPolicy(String owner, Set<String> replace, boolean restartsAllowed) {
  public PlanPolicy {
    replace = Set.copyOf(replace);
  }

  public static PlanPolicy of(String owner) {
    return new PlanPolicy(owner, Set.of(), true);
  }
}
