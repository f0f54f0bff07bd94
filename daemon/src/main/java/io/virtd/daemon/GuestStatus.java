package io.virtd.daemon;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What {@code virtctl status} shows for one guest: the outcome of its last reconcile. */
public record GuestStatus(
    String name,
    String desired,
    String observed,
    String lastResult,
    Instant at,
    List<String> restartPending,
    Optional<String> lastError,
    int retries,
    boolean held) {

  public GuestStatus {
    restartPending = List.copyOf(restartPending);
  }
}
