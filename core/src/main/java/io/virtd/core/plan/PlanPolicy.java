package io.virtd.core.plan;

import java.util.Collection;
import java.util.Set;

/**
 * What the planner may decide beyond the manifests.
 *
 * @param owner this host's owner name, as written in ownership marks
 * @param replace guests {@code apply --replace} may re-create
 * @param restartsAllowed whether {@code restart: on_change} may restart now (false outside the
 *     daemon's maintenance window)
 * @param formerOwners names this host's marks were written under before (the configuration's {@code
 *     former_owners}): a guest marked by one of them is this owner's, and is marked again with
 *     {@code owner}
 */
public record PlanPolicy(
    String owner, Set<String> replace, boolean restartsAllowed, Set<String> formerOwners) {
  public PlanPolicy {
    replace = Set.copyOf(replace);
    formerOwners = Set.copyOf(formerOwners);
  }

  public PlanPolicy(String owner, Set<String> replace, boolean restartsAllowed) {
    this(owner, replace, restartsAllowed, Set.of());
  }

  public static PlanPolicy of(String owner) {
    return new PlanPolicy(owner, Set.of(), true);
  }

  public PlanPolicy withFormerOwners(Collection<String> names) {
    return new PlanPolicy(owner, replace, restartsAllowed, Set.copyOf(names));
  }
}
