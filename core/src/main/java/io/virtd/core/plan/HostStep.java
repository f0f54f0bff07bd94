package io.virtd.core.plan;

import java.util.List;

/** One thing apply does to a network or a pool; a resource's steps run in order. */
public sealed interface HostStep {
  /** Define it, build what its type needs, set its autostart; marked {@code created}. */
  record Create() implements HostStep {}

  /** Mark an existing unmarked one as {@code adopted}. */
  record Adopt() implements HostStep {}

  /** Write changed keys (DHCP hosts live on a running network). */
  record Update(List<HostChange> changes) implements HostStep {
    public Update {
      changes = List.copyOf(changes);
    }
  }

  /** Start, stop or restart it ({@code resume} does not apply). */
  record Lifecycle(Step.Action action) implements HostStep {}

  /** Stop it and remove its definition (a pool's volumes only when all are virtd's and unused). */
  record Remove() implements HostStep {}

  /** The word apply's events and the JSON use: {@code create}, {@code start}, … */
  static String key(HostStep step) {
    if (step instanceof Lifecycle l) {
      return l.action().key();
    }
    return step.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }
}
