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
            k -> {
              maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
              try {
                release.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              runs.incrementAndGet();
              concurrent.decrementAndGet();
              return WorkQueue.Result.DONE;
            })) {
      q.add("a");
      await().until(() -> concurrent.get() == 1);
      for (int i = 0; i < 10; i++) {
        q.add("a"); // while running: collapsed into one more run
      }
      release.countDown();
      await().until(() -> runs.get() == 2);
      Thread.sleep(100);
      assertEquals(2, runs.get());
      assertEquals(1, maxConcurrent.get());
    }
  }

  @Test
  void differentKeysRunInParallelUpToTheBound() {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    try (WorkQueue q =
        new WorkQueue(
            3,
            Duration.ofMillis(10),
            Duration.ofSeconds(1),
            k -> {
              maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
              try {
                Thread.sleep(100);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              concurrent.decrementAndGet();
              return WorkQueue.Result.DONE;
            })) {
      for (int i = 0; i < 9; i++) {
        q.add("k" + i);
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> maxConcurrent.get() == 3 && concurrent.get() == 0);
    }
  }

  @Test
  void failuresBackOffExponentiallyAndResetOnSuccess() {
    List<Long> times = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    try (WorkQueue q =
        new WorkQueue(
            1,
            Duration.ofMillis(50),
            Duration.ofMillis(400),
            k -> {
              times.add(System.nanoTime());
              return calls.incrementAndGet() < 4 ? WorkQueue.Result.RETRY : WorkQueue.Result.DONE;
            })) {
      q.add("x");
      await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 4);
      long gap1 = (times.get(1) - times.get(0)) / 1_000_000;
      long gap3 = (times.get(3) - times.get(2)) / 1_000_000;
      assertTrue(gap1 >= 45, "first retry after ~50 ms, was " + gap1);
      assertTrue(gap3 >= 190, "third retry after ~200 ms, was " + gap3);
      assertEquals(0, q.failures("x"), "success resets the backoff");
    }
  }

  @Test
  void backoffIsCapped() {
    try (WorkQueue q =
        new WorkQueue(
            1, Duration.ofMillis(100), Duration.ofSeconds(300), k -> WorkQueue.Result.DONE)) {
      assertEquals(Duration.ofMillis(100), q.backoff(1));
      assertEquals(Duration.ofMillis(800), q.backoff(4));
      assertEquals(Duration.ofSeconds(300), q.backoff(40));
    }
  }

  @Test
  void aTerminalFailureIsNotRetriedUntilAddedAgain() throws Exception {
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    try (WorkQueue q =
        new WorkQueue(
            1,
            Duration.ofMillis(10),
            Duration.ofMillis(20),
            k -> {
              calls.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
              return WorkQueue.Result.TERMINAL;
            })) {
      q.add("t");
      await().until(() -> calls.containsKey("t"));
      Thread.sleep(200);
      assertEquals(1, calls.get("t").get());
      q.forget("t");
      q.add("t");
      await().until(() -> calls.get("t").get() == 2);
      assertFalse(calls.get("t").get() > 2);
    }
  }

  @Test
  void aFullPassLeavesAFailingKeyToItsBackoffAndATerminalOneAloneButAnEventRunsItAtOnce()
      throws Exception {
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    try (WorkQueue q =
        new WorkQueue(
            1,
            Duration.ofSeconds(30), // the first retry is far beyond this test
            Duration.ofMinutes(5),
            k -> {
              calls.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
              return k.equals("t") ? WorkQueue.Result.TERMINAL : WorkQueue.Result.RETRY;
            })) {
      q.add("r");
      q.add("t");
      await().until(() -> calls.containsKey("r") && calls.containsKey("t"));
      for (int pass = 0; pass < 5; pass++) { // full passes, as a 5 s schedule would run them
        q.addUnlessFailing("r");
        q.addUnlessFailing("t");
        Thread.sleep(40);
      }
      assertEquals(1, calls.get("r").get(), "backing off: the passes did not run it");
      assertEquals(1, calls.get("t").get(), "terminal: the passes did not run it");

      q.add("r"); // an event or `virtctl reconcile`
      await().until(() -> calls.get("r").get() == 2);
      q.forget("t"); // its manifest changed
      q.addUnlessFailing("t");
      await().until(() -> calls.get("t").get() == 2);
    }
  }
}
