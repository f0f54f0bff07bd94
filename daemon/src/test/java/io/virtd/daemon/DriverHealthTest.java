package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.testing.FakeDriver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DriverHealthTest {
  final FakeDriver fake = new FakeDriver();
  final Drivers.Target target = new Drivers.Target(DriverKind.LIBVIRT, "qemu:///system");
  final List<Drivers.Target> back = new ArrayList<>();
  final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
  final DriverHealth health =
      new DriverHealth(
          new Drivers(Config.defaults(), List.of(fake.factory())),
          () -> Set.of(target),
          back::add,
          clock,
          Duration.ofMillis(200));

  private DriverHealth.State state() {
    return health.states().get(target);
  }

  @Test
  void aTargetThatStopsAnsweringIsDownUntilItAnswersAgainThenAFullPassRuns() {
    health.tick();
    assertTrue(state().up());
    assertEquals(List.of(), back, "a healthy start needs no extra pass");

    fake.down =
        new DriverException(
            DriverException.Kind.UNAVAILABLE, "libvirt: cannot connect to qemu:///system");
    clock.advance(java.time.Duration.ofSeconds(5));
    health.tick();
    assertFalse(state().up());
    assertEquals("libvirt: cannot connect to qemu:///system", state().error().orElseThrow());

    fake.down = null;
    clock.advance(java.time.Duration.ofMillis(999));
    health.tick();
    assertFalse(state().up(), "the first retry waits one second");
    clock.advance(java.time.Duration.ofMillis(1));
    health.tick();
    assertTrue(state().up());
    assertEquals(List.of(target), back);
  }

  @Test
  void aPingThatHangsCountsAsDownAndItsLateAnswerBringsTheTargetBack() throws Exception {
    health.tick();
    fake.frozen = new java.util.concurrent.CountDownLatch(1);
    clock.advance(java.time.Duration.ofSeconds(5));
    health.tick(); // waits 200 ms for the answer, then gives up
    assertFalse(state().up());
    assertTrue(state().error().orElseThrow().contains("no answer"), state().error().toString());
    clock.advance(java.time.Duration.ofSeconds(1));
    health.tick();
    assertFalse(state().up(), "still frozen");
    fake.frozen.countDown();
    clock.advance(java.time.Duration.ofSeconds(1));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              health.tick();
              return state().up();
            });
    assertEquals(List.of(target), back);
  }

  @Test
  void aSilentReconnectAlsoRunsAFullPass() {
    health.tick();
    fake.reconnected = true;
    clock.advance(java.time.Duration.ofSeconds(5));
    health.tick();
    assertEquals(List.of(target), back);
    clock.advance(java.time.Duration.ofSeconds(5));
    health.tick();
    assertEquals(List.of(target), back, "only once");
  }

  @Test
  void aReconcileThatReachesADownTargetShowsItUpAtOnceAndAFullPassFollows() {
    health.tick();
    fake.down = new DriverException(DriverException.Kind.UNAVAILABLE, "libvirtd restarting");
    for (int i = 0; i < 5; i++) { // backed off: the next check is 16 s away
      clock.advance(Duration.ofSeconds(31));
      health.tick();
    }
    assertFalse(state().up());
    fake.down = null;
    clock.advance(Duration.ofSeconds(1));
    health.tick();
    assertFalse(state().up(), "not due yet");

    health.reached(target);
    assertTrue(state().up(), "a successful reconcile through it is proof enough");
    assertEquals(clock.instant(), state().since());
    assertEquals(List.of(), back, "the full pass runs on the health thread");
    health.tick();
    assertEquals(List.of(target), back, "events were missed: a full pass");
    health.reached(target);
    clock.advance(Duration.ofSeconds(5));
    health.tick();
    assertEquals(List.of(target), back, "an up target reached again changes nothing");
  }

  @Test
  void aReloadedRunShowsWhatTheLastOneKnewUntilItHasCheckedItself() {
    health.tick();
    fake.down = new DriverException(DriverException.Kind.UNAVAILABLE, "down");
    clock.advance(Duration.ofSeconds(5));
    health.tick();
    var known = health.states();
    DriverHealth next =
        new DriverHealth(
            new Drivers(Config.defaults(), List.of(fake.factory())),
            () -> Set.of(target),
            back::add,
            clock,
            Duration.ofMillis(200),
            known);
    assertEquals(known, next.states(), "nothing blank right after the reload");
    fake.down = null;
    next.tick();
    assertTrue(next.states().get(target).up(), "checked at its first tick");
  }

  @Test
  void retriesBackOffExponentiallyUpToThirtySeconds() {
    assertEquals(Duration.ofSeconds(1), DriverHealth.backoff(1));
    assertEquals(Duration.ofSeconds(2), DriverHealth.backoff(2));
    assertEquals(Duration.ofSeconds(16), DriverHealth.backoff(5));
    assertEquals(Duration.ofSeconds(30), DriverHealth.backoff(6));
    assertEquals(Duration.ofSeconds(30), DriverHealth.backoff(60));
  }
}
