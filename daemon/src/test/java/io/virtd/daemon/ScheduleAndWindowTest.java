package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleAndWindowTest {
  static final ZoneId UTC = ZoneId.of("UTC");

  @Test
  void anIntervalScheduleWaitsTheIntervalAfterEachPass() {
    PassSchedule s = new PassSchedule(Config.Schedule.every(Duration.ofSeconds(90)), UTC);
    assertEquals(Duration.ofSeconds(90), s.untilNext(Instant.parse("2026-11-24T10:00:07Z")));
  }

  @ParameterizedTest
  @CsvSource({
    "0 0/5 * * * ?,   2026-11-24T10:03:20Z, PT1M40S",
    "0 0/5 * * * ?,   2026-11-24T10:05:00Z, PT5M",
    "0 30 2 * * ?,    2026-11-24T02:29:59Z, PT1S",
    "0 30 2 * * ?,    2026-11-24T02:30:00Z, PT24H",
    "0 0 3 ? * SUN,   2026-11-24T10:00:00Z, PT113H",
  })
  void aCronScheduleWaitsUntilTheNextTimeItNames(String cron, String now, String wait) {
    PassSchedule s =
        new PassSchedule(new Config.Schedule(Optional.empty(), Optional.of(cron)), UTC);
    assertEquals(Duration.parse(wait), s.untilNext(Instant.parse(now)));
  }

  @Test
  void cronTimesAreInTheHostZone() {
    PassSchedule s =
        new PassSchedule(
            new Config.Schedule(Optional.empty(), Optional.of("0 0 2 * * ?")),
            ZoneId.of("Europe/Berlin"));
    // 02:00 in Berlin (UTC+1 in November) is 01:00 UTC
    assertEquals(Duration.ofMinutes(30), s.untilNext(Instant.parse("2026-11-24T00:30:00Z")));
  }

  @ParameterizedTest
  @CsvSource({
    "2026-11-24T01:59:59Z, false",
    "2026-11-24T02:00:00Z, true",
    "2026-11-24T03:59:59Z, true",
    "2026-11-24T04:00:00Z, false",
    "2026-11-24T12:00:00Z, false",
  })
  void aWindowIsOpenFromEachOpeningForItsDuration(String now, boolean open) {
    MaintenanceWindow w =
        new MaintenanceWindow(
            new Config.MaintenanceWindow("0 0 2 * * ?", Duration.ofHours(2)), UTC);
    assertEquals(open, w.isOpen(Instant.parse(now)));
  }

  @Test
  void overlappingWindowsStayOpen() {
    // opens every 10 minutes for 15 minutes: always open once the first has opened
    MaintenanceWindow w =
        new MaintenanceWindow(
            new Config.MaintenanceWindow("0 0/10 * * * ?", Duration.ofMinutes(15)), UTC);
    assertTrue(w.isOpen(Instant.parse("2026-11-24T10:09:59Z")));
    assertTrue(w.isOpen(Instant.parse("2026-11-24T10:14:59Z")));
  }

  @Test
  void theNextOpeningIsTheNextCronTime() {
    MaintenanceWindow w =
        new MaintenanceWindow(
            new Config.MaintenanceWindow("0 0 2 ? * SAT", Duration.ofHours(3)), UTC);
    assertEquals(
        Optional.of(Instant.parse("2026-11-28T02:00:00Z")),
        w.nextOpening(Instant.parse("2026-11-24T10:00:00Z")));
    assertFalse(w.isOpen(Instant.parse("2026-11-24T10:00:00Z")));
  }
}
