package io.virtd.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code virtctl status --check}: the daemon's status answer reduced to one exit code for a
 * monitoring check (0 everything in sync, 2 anything an operator should look at).
 */
public final class StatusCheck {
  static final int IN_SYNC = 0;
  static final int ATTENTION = 2;

  private StatusCheck() {}

  static int exitCode(JsonNode status) {
    for (JsonNode d : status.path("drivers")) {
      if (!d.path("up").asBoolean()) {
        return ATTENTION;
      }
    }
    if (status.path("manifest_problems").size() > 0) {
      return ATTENTION;
    }
    for (JsonNode g : status.path("guests")) {
      if (!inSync(g)) {
        return ATTENTION;
      }
    }
    return IN_SYNC;
  }

  /** Whether the guest (as {@code status --json} shows it) needs no one's attention. */
  public static boolean inSync(JsonNode guest) {
    return !guest.path("held").asBoolean()
        && guest.path("restart_pending").size() == 0
        && guest.path("last_error").asText("").isEmpty()
        && "as desired".equals(guest.path("observed").asText())
        && !"error".equals(guest.path("last_result").asText());
  }
}
