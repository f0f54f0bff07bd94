package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
  final FakeTimer timer = new FakeTimer();

  @Test
  void aKeyNeverRunsOnTwoWorkersAndAddsWhileRunningRunOnceMore() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    try (WorkQueue q =
        new WorkQueue(
            4,
            Duration.ofMillis(10),
            Duration.ofSeconds(1),
            (k, failures) -> {
              maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
              try {
                release.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              runs.incrementAndGet();
              concurrent.decrementAndGet();
              return WorkQueue.Result.DONE;
            },
            timer)) {
      q.add("a");
      await().until(() -> concurrent.get() == 1);
      for (int i = 0; i < 10; i++) {
        q.add("a"); // while running: collapsed into one more run
      }
      release.countDown();
      await().until(() -> q.ended() == 2 && q.idle());
      assertEquals(List.of(), timer.waiting(), "nothing will bring it back");
      assertEquals(2, runs.get());
      assertEquals(1, maxConcurrent.get());
    }
  }

  @Test
  void differentKeysRunInParallelUpToTheBound() {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    try (WorkQueue q =
        new WorkQueue(
            3,
            Duration.ofMillis(10),
            Duration.ofSeconds(1),
            (k, failures) -> {
              maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
              try {
                release.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              concurrent.decrementAndGet();
              return WorkQueue.Result.DONE;
            },
            timer)) {
      for (int i = 0; i < 9; i++) {
        q.add("k" + i);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> concurrent.get() == 3);
      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> q.ended() == 9);
      assertEquals(3, maxConcurrent.get());
    }
  }

  @Test
  void failuresBackOffExponentiallyAndResetOnSuccess() {
    List<Integer> failuresSeen = new CopyOnWriteArrayList<>();
    try (WorkQueue q =
        new WorkQueue(
            1,
            Duration.ofMillis(50),
            Duration.ofMillis(400),
            (k, failures) -> {
              failuresSeen.add(failures);
              return failuresSeen.size() < 4 ? WorkQueue.Result.RETRY : WorkQueue.Result.DONE;
            },
            timer)) {
      q.add("x");
      await().until(() -> q.ended() == 1);
      assertEquals(List.of(Duration.ofMillis(50)), timer.waiting(), "first retry after 50 ms");
      timer.advance(Duration.ofMillis(49));
      assertTrue(q.idle(), "not yet due");
      assertEquals(1, q.ended());
      timer.advance(Duration.ofMillis(1));
      await().until(() -> q.ended() == 2);
      assertEquals(List.of(Duration.ofMillis(100)), timer.waiting(), "then after 100 ms");
      timer.advance(Duration.ofMillis(100));
      await().until(() -> q.ended() == 3);
      assertEquals(List.of(Duration.ofMillis(200)), timer.waiting(), "then after 200 ms");
      timer.advance(Duration.ofMillis(200));
      await().until(() -> q.ended() == 4);
      assertEquals(List.of(0, 1, 2, 3), failuresSeen, "each run is told the failures before it");
      assertEquals(List.of(), timer.waiting(), "success: no retry");
      assertEquals(0, q.failures("x"), "success resets the backoff");
    }
  }

  @Test
  void backoffIsCapped() {
    try (WorkQueue q =
        new WorkQueue(
            1,
            Duration.ofMillis(100),
            Duration.ofSeconds(300),
            (k, failures) -> WorkQueue.Result.DONE,
            timer)) {
      assertEquals(Duration.ofMillis(100), q.backoff(1));
      assertEquals(Duration.ofMillis(800), q.backoff(4));
      assertEquals(Duration.ofSeconds(300), q.backoff(40));
    }
  }

  @Test
  void aTerminalFailureIsNotRetriedUntilAddedAgain() {
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    try (WorkQueue q =
        new WorkQueue(
            1,
            Duration.ofMillis(10),
            Duration.ofMillis(20),
            (k, failures) -> {
              calls.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
              return WorkQueue.Result.TERMINAL;
            },
            timer)) {
      q.add("t");
      await().until(() -> q.ended() == 1 && q.idle());
      assertEquals(List.of(), timer.waiting(), "no retry is scheduled");
      timer.advance(Duration.ofHours(1));
      assertFalse(q.addUnlessFailing("t"), "a full pass leaves it alone");
      assertTrue(q.idle());
      assertEquals(1, calls.get("t").get());
      q.forget("t");
      q.add("t");
      await().until(() -> q.ended() == 2 && q.idle());
      assertEquals(2, calls.get("t").get());
    }
  }

  @Test
  void aFullPassLeavesAFailingKeyToItsBackoffAndATerminalOneAloneButAnEventRunsItAtOnce() {
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    try (WorkQueue q =
        new WorkQueue(
            1,
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            (k, failures) -> {
              calls.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
              return k.equals("t") ? WorkQueue.Result.TERMINAL : WorkQueue.Result.RETRY;
            },
            timer)) {
      q.add("r");
      q.add("t");
      await().until(() -> q.ended() == 2 && q.idle());
      for (int pass = 0; pass < 5; pass++) { // full passes, as a 5 s schedule would run them
        assertFalse(q.addUnlessFailing("r"), "backing off: the pass does not queue it");
        assertFalse(q.addUnlessFailing("t"), "terminal: the pass does not queue it");
        timer.advance(Duration.ofSeconds(5));
      }
      assertEquals(1, calls.get("r").get());
      assertEquals(1, calls.get("t").get());

      q.add("r"); // an event or `virtctl reconcile`
      await().until(() -> calls.get("r").get() == 2);
      q.forget("t"); // its manifest changed
      assertTrue(q.addUnlessFailing("t"));
      await().until(() -> calls.get("t").get() == 2);
    }
  }

  @Test
  void aReconcileThatWaitsComesBackWhenItSaysWithoutCountingAFailure() {
    List<Integer> failuresSeen = new CopyOnWriteArrayList<>();
    try (WorkQueue q =
        new WorkQueue(
            1,
            Duration.ofMillis(10),
            Duration.ofMinutes(5),
            (k, failures) -> {
              failuresSeen.add(failures);
              return failuresSeen.size() == 1
                  ? WorkQueue.Result.requeueAfter(Duration.ofSeconds(60))
                  : WorkQueue.Result.DONE;
            },
            timer)) {
      q.add("p");
      await().until(() -> q.ended() == 1 && q.idle());
      assertEquals(List.of(Duration.ofSeconds(60)), timer.waiting());
      assertEquals(0, q.failures("p"), "waiting is not failing");
      timer.advance(Duration.ofSeconds(59));
      assertEquals(1, q.ended(), "not before it said");
      timer.advance(Duration.ofSeconds(1));
      await().until(() -> q.ended() == 2 && q.idle());
      assertEquals(List.of(0, 0), failuresSeen);
      assertEquals(List.of(), timer.waiting());
    }
  }
}
