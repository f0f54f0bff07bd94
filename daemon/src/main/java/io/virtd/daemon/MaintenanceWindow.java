package io.virtd.daemon;

import io.virtd.core.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.Optional;
import org.quartz.CronExpression;

/**
 * The configuration's {@code maintenance_window}: a window opens at each time its cron expression
 * names and stays open for its duration, as the half-open interval [opening, opening + duration).
 * Restarts that {@code restart: on_change} asks for wait until a window is open.
 */
final class MaintenanceWindow {
  private final CronExpression cron;
  private final Duration length;

  MaintenanceWindow(Config.MaintenanceWindow window, ZoneId zone) {
    this.cron = PassSchedule.Cron.parse(window.cron(), zone);
    this.length = window.duration();
  }

  /** Open when some opening lies in (now - duration, now]. */
  boolean isOpen(Instant now) {
    Date next = cron.getNextValidTimeAfter(Date.from(now.minus(length).minusMillis(1)));
    return next != null
        && !next.toInstant().isAfter(now)
        && next.toInstant().plus(length).isAfter(now);
  }

  /** The next time a window opens after {@code now}, if the expression has one. */
  Optional<Instant> nextOpening(Instant now) {
    return Optional.ofNullable(cron.getNextValidTimeAfter(Date.from(now))).map(Date::toInstant);
  }
}
