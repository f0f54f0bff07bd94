package io.virtd.daemon;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@code virtctl status} shows for one guest: the outcome of its last reconcile.
 *
 * @param observed how the guest compares with its manifest: {@code as desired}, {@code differs},
 *     {@code unknown} (it could not be read or planned)
 * @param driver the driver and target the guest lives on, as {@link DriverHealth} labels it
 * @param state the guest's run state as last read ({@code running}, {@code shutoff}, …), {@code
 *     missing} when it does not exist, {@code unknown} when it could not be read
 */
public record GuestStatus(
    String name,
    String desired,
    String observed,
    String lastResult,
    Instant at,
    List<String> restartPending,
    Optional<String> lastError,
    int retries,
    boolean held,
    String driver,
    String state) {

  public GuestStatus {
    restartPending = List.copyOf(restartPending);
  }
}
