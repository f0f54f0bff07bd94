package io.virtd.core.plan;

import java.util.List;

/** One thing apply does to one guest; a resource's steps run in order. */
public sealed interface Step {
  /** Define a new guest (with the manifest's values and the defaults), marked {@code created}. */
  record Create() implements Step {}

  /** Mark an existing unmarked guest as {@code adopted}. */
  record Adopt() implements Step {}

  /**
   * Write this owner's name into a mark that names one of this host's former owner names (the
   * configuration's {@code former_owners}), keeping everything else the mark says.
   */
  record Reown(String formerOwner, String owner) implements Step {}

  /** Write changed fields (one flush): persistent definition, and live where possible. */
  record Update(List<FieldChange> changes) implements Step {
    public Update {
      changes = List.copyOf(changes);
    }
  }

  /** Start, stop, resume or restart the guest. */
  record Lifecycle(Action action) implements Step {}

  /** Stop the guest and remove it, with the storage virtd created for it. */
  record Remove() implements Step {}

  /** Remove and create again, to settle create-time differences ({@code apply --replace}). */
  record Replace(List<FieldChange> forcedBy) implements Step {
    public Replace {
      forcedBy = List.copyOf(forcedBy);
    }
  }

  enum Action {
    START,
    STOP,
    RESUME,
    RESTART;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
