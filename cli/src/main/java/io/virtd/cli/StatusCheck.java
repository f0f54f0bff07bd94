package io.virtd.cli;

import io.virtd.core.control.ControlReply;
import io.virtd.core.control.DriverState;
import io.virtd.core.control.GuestState;

/**
 * {@code virtctl status --check}: the daemon's status answer reduced to one exit code for a
 * monitoring check (0 everything in sync, 2 anything an operator should look at).
 */
final class StatusCheck {
  static final int IN_SYNC = 0;
  static final int ATTENTION = 2;

  private StatusCheck() {}

  static int exitCode(ControlReply.Status status) {
    boolean attention =
        !status.drivers().stream().allMatch(DriverState::up)
            || !status.manifestProblems().isEmpty()
            || !status.guests().stream().allMatch(GuestState::inSync);
    return attention ? ATTENTION : IN_SYNC;
  }
}
