package io.virtd.daemon;

import io.virtd.core.config.Config;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * When the next full pass is due: after a fixed interval, or at the next time a Quartz cron
 * expression names, in the host's time zone (as an operator reading the cron line expects).
 */
final class PassSchedule {
  private final Config.Schedule schedule;
  private final CronExpression cron;

  PassSchedule(Config.Schedule schedule, ZoneId zone) {
    this.schedule = schedule;
    this.cron = schedule.cron().map(c -> Cron.parse(c, zone)).orElse(null);
  }

  /** How long to wait from {@code now} (just after a pass) until the next pass. */
  Duration untilNext(Instant now) {
    if (cron == null) {
      return schedule.interval().orElseThrow();
    }
    Date next = cron.getNextValidTimeAfter(Date.from(now));
    // an expression with no future time (a year long past) never fires again
    return next == null ? Duration.ofDays(3650) : Duration.between(now, next.toInstant());
  }

  String describe() {
    return schedule
        .cron()
        .map(c -> "cron `" + c + "`")
        .orElseGet(() -> "every " + schedule.interval().orElseThrow());
  }

  /** Quartz cron parsing for the schedule and the maintenance window. */
  static final class Cron {
    private Cron() {}

    static CronExpression parse(String expression, ZoneId zone) {
      try {
        CronExpression c = new CronExpression(expression);
        c.setTimeZone(TimeZone.getTimeZone(zone));
        return c;
      } catch (ParseException e) {
        // the configuration loader has already validated it with the same parser
        throw new IllegalArgumentException("`" + expression + "`: " + e.getMessage(), e);
      }
    }
  }
}
