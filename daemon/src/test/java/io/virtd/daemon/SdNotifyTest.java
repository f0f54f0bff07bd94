package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SdNotifyTest {
  private static final long PID = 4242;

  @TempDir Path dir;

  @Test
  void sendsEachStateByteExactToAPathSocket() {
    Path sock = dir.resolve("notify");
    try (NotifyReceiver r = NotifyReceiver.bindPath(sock)) {
      SdNotify sd = SdNotify.of(Map.of("NOTIFY_SOCKET", sock.toString()), PID);
      assertTrue(sd.enabled());

      assertTrue(sd.ready());
      assertTrue(sd.ping());
      assertTrue(sd.status("reconciling 3 guests\nof 4"));
      assertTrue(sd.stopping());

      assertArrayEquals(bytes("READY=1"), r.poll());
      assertArrayEquals(bytes("WATCHDOG=1"), r.poll());
      assertArrayEquals(bytes("STATUS=reconciling 3 guests of 4"), r.poll());
      assertArrayEquals(bytes("STOPPING=1"), r.poll());
      assertNull(r.poll(), "one datagram per message, nothing more");
    }
  }

  @Test
  void anAtSignNamesTheAbstractNamespace() {
    String name = "virtd-test-" + UUID.randomUUID();
    try (NotifyReceiver r = NotifyReceiver.bindAbstract(name)) {
      SdNotify sd = SdNotify.of(Map.of("NOTIFY_SOCKET", "@" + name), PID);

      assertTrue(sd.ready());
      assertTrue(sd.ping());
      assertTrue(sd.stopping());

      assertArrayEquals(bytes("READY=1"), r.poll());
      assertArrayEquals(bytes("WATCHDOG=1"), r.poll());
      assertArrayEquals(bytes("STOPPING=1"), r.poll());
    }
  }

  @Test
  void reloadingCarriesTheMonotonicClock() {
    Path sock = dir.resolve("notify");
    try (NotifyReceiver r = NotifyReceiver.bindPath(sock)) {
      SdNotify sd = SdNotify.of(Map.of("NOTIFY_SOCKET", sock.toString()), PID);
      long before = System.nanoTime() / 1000;
      assertTrue(sd.reloading());
      long after = System.nanoTime() / 1000;

      String[] lines = new String(r.poll(), StandardCharsets.UTF_8).split("\n", -1);
      assertEquals("RELOADING=1", lines[0]);
      assertTrue(lines[1].startsWith("MONOTONIC_USEC="), lines[1]);
      long usec = Long.parseLong(lines[1].substring("MONOTONIC_USEC=".length()));
      assertTrue(before <= usec && usec <= after, usec + " not in [" + before + ", " + after + "]");
      assertEquals(2, lines.length);
    }
  }

  @Test
  void withoutNotifySocketNothingIsSentAndNoWatchdog() {
    SdNotify sd = SdNotify.of(Map.of("WATCHDOG_USEC", "30000000"), PID);
    assertFalse(sd.enabled());
    assertFalse(sd.ready());
    assertFalse(sd.ping());
    assertFalse(sd.stopping());
    assertEquals(Optional.empty(), sd.watchdogInterval());

    assertFalse(SdNotify.of(Map.of("NOTIFY_SOCKET", ""), PID).enabled());
  }

  @Test
  void aSocketThatCannotBeAddressedDisablesNotification() {
    assertFalse(SdNotify.of(Map.of("NOTIFY_SOCKET", "relative/notify"), PID).enabled());
    assertFalse(SdNotify.of(Map.of("NOTIFY_SOCKET", "/" + "x".repeat(107)), PID).enabled());
    assertTrue(SdNotify.of(Map.of("NOTIFY_SOCKET", "/" + "x".repeat(106)), PID).enabled());
    assertTrue(SdNotify.of(Map.of("NOTIFY_SOCKET", "@" + "x".repeat(107)), PID).enabled());
  }

  @Test
  void aFailedSendIsReportedButNeverThrown() {
    SdNotify sd =
        SdNotify.of(Map.of("NOTIFY_SOCKET", dir.resolve("nobody-listens").toString()), PID);
    assertTrue(sd.enabled());
    assertFalse(sd.ready());
    assertFalse(sd.ping());
  }

  @ParameterizedTest(name = "WATCHDOG_USEC={0} WATCHDOG_PID={1} -> {2} ms")
  @CsvSource(
      nullValues = "none",
      value = {
        "30000000, none,     15000",
        "30000000, 4242,     15000",
        "1000,     none,     0.5",
        "30000000, 1,        none",
        "30000000, 4242x,    none",
        "none,     4242,     none",
        "0,        none,     none",
        "-5,       none,     none",
        "30s,      none,     none",
      })
  void watchdogIntervalIsHalfOfWatchdogUsecForThisProcessOnly(
      String usec, String pid, String millis) {
    Map<String, String> env = new HashMap<>();
    env.put("NOTIFY_SOCKET", "/run/systemd/notify");
    if (usec != null) {
      env.put("WATCHDOG_USEC", usec);
    }
    if (pid != null) {
      env.put("WATCHDOG_PID", pid);
    }
    Optional<Duration> expected =
        millis == null
            ? Optional.empty()
            : Optional.of(Duration.ofNanos((long) (Double.parseDouble(millis) * 1_000_000)));
    assertEquals(expected, SdNotify.of(env, PID).watchdogInterval());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
