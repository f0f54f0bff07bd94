package io.virtd.core.control;

import java.util.Locale;
import java.util.Optional;

/** What {@code virtctl} (or the HTTP API) asks the daemon over its control socket. */
public enum ControlCommand {
  /** Every managed guest, the drivers and the manifest problems: {@link ControlReply.Status}. */
  STATUS,
  /** Reconcile the named resources (all when none is named) now. */
  RECONCILE,
  /** Begin no new step on the named guests until they are released. */
  HOLD,
  /** Resume reconciling the named guests. */
  RELEASE;

  /** The command's name on the wire: {@code status}, {@code reconcile}, … */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The command a wire name stands for; empty for a name this version does not know. */
  public static Optional<ControlCommand> of(String wireName) {
    for (ControlCommand c : values()) {
      if (c.wireName().equals(wireName)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
