package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.control.Comparison;
import io.virtd.core.control.GuestState;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {
  @TempDir Path dir;
  final FakeDriver fake = new FakeDriver();
  DesiredStore store;
  Reconciler reconciler;

  @BeforeEach
  void setUp() throws Exception {
    Path manifests = Files.createDirectories(dir.resolve("m"));
    Path f = manifests.resolve("a.yaml");
    Files.writeString(f, "virt: a\nvirt_type: kvm\nmemory: 256\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    store = new DesiredStore(manifests);
    store.reload(Instant.EPOCH);
    reconciler = FakeReconcilers.over(store, fake, dir.resolve("locks"), Clock.systemUTC());
  }

  @Test
  void convergesAndIsThenANoOp() {
    List<io.virtd.core.spi.Drivers.Target> reached = new java.util.ArrayList<>();
    reconciler.onReached(reached::add);
    assertEquals(WorkQueue.Result.DONE, reconciler.reconcile("a"));
    assertEquals(
        "libvirt",
        reached.get(0).kind().toString(),
        "the driver it read the guest through is known to answer");
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
    assertEquals("applied", reconciler.status().get("a").lastResult());
    assertEquals("running", reconciler.status().get("a").state());
    fake.calls.clear();
    assertEquals(WorkQueue.Result.DONE, reconciler.reconcile("a"));
    assertEquals(List.of(), fake.calls);
    assertEquals("in sync", reconciler.status().get("a").lastResult());
    assertEquals(List.of(), reconciler.status().get("a").differs());
    assertEquals("libvirt qemu:///system", reconciler.status().get("a").driver());
  }

  @Test
  void aGuestThatNeedsRecreatingIsNotInSyncAsThePlanSays() throws Exception {
    reconciler.reconcile("a");
    Path f = dir.resolve("m/a.yaml");
    Files.writeString(f, "virt: a\nvirt_type: kvm\nmemory: 256\nos_variant: debian12\n");
    store.reload(Instant.EPOCH.plusSeconds(1));
    fake.guests.get("a").persistent.put(io.virtd.core.manifest.Field.OS_VARIANT, "debian11");
    fake.calls.clear();
    assertEquals(WorkQueue.Result.DONE, reconciler.reconcile("a"));
    assertEquals(List.of(), fake.calls, "the daemon never re-creates");
    assertEquals("recreate required", reconciler.status().get("a").lastResult());
    assertEquals(Comparison.DIFFERS, reconciler.status().get("a").observed());
    assertEquals(
        List.of(new GuestState.Difference("os_variant", "debian12", "debian11")),
        reconciler.status().get("a").differs());
  }

  @Test
  void aHeldGuestIsLeftExactlyAsItIsUntilReleased() throws Exception {
    reconciler.reconcile("a");
    reconciler.hold("a");
    fake.destroy("a");
    fake.calls.clear();
    reconciler.reconcile("a");
    assertEquals(RunState.SHUTOFF, fake.guests.get("a").state);
    assertTrue(reconciler.status().get("a").held());
    reconciler.release("a");
    reconciler.reconcile("a");
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
  }

  /**
   * Reconciles {@code a} from nothing (create, then start) on another thread and runs {@code
   * during} while the create is under way; returns the reconcile's result.
   */
  private WorkQueue.Result whileCreating(Runnable during) throws Exception {
    CountDownLatch inCreate = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    fake.onCall =
        c -> {
          if (c.equals("create a")) {
            inCreate.countDown();
            await(go);
          }
        };
    var result = new AtomicReference<WorkQueue.Result>();
    Thread worker = new Thread(() -> result.set(reconciler.reconcile("a")));
    worker.start();
    assertTrue(inCreate.await(10, TimeUnit.SECONDS));
    during.run();
    go.countDown();
    worker.join(10_000);
    return result.get();
  }

  @Test
  void aHoldDuringAStepLetsThatStepFinishAndBeginsNoOther() throws Exception {
    var answered = new AtomicReference<Optional<String>>();
    WorkQueue.Result r = whileCreating(() -> answered.set(reconciler.hold("a")));

    assertEquals(Optional.of("create"), answered.get(), "the step under way is reported");
    assertEquals(WorkQueue.Result.DONE, r);
    assertEquals(List.of("create a"), fake.calls, "start, planned after create, was not begun");
    assertEquals(RunState.SHUTOFF, fake.guests.get("a").state);
    assertEquals(Optional.empty(), reconciler.hold("a"), "nothing under way any more");
    reconciler.release("a");
    assertEquals(WorkQueue.Result.DONE, reconciler.reconcile("a"));
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
  }

  @Test
  void drainingLetsTheStepUnderWayFinishAndBeginsNoOther() throws Exception {
    assertEquals(WorkQueue.Result.DONE, whileCreating(reconciler::drain));
    assertEquals(List.of("create a"), fake.calls, "SIGTERM/SIGHUP: start was not begun");
    assertEquals(RunState.SHUTOFF, fake.guests.get("a").state);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void statusShowsTheFailedStepsOwnError() {
    fake.onCall =
        c -> {
          if (c.equals("create a")) {
            throw new IllegalStateException("no room on the host");
          }
        };
    assertEquals(WorkQueue.Result.RETRY, reconciler.reconcile("a"));
    GuestStatus s = reconciler.status().get("a");
    assertEquals("error", s.lastResult());
    assertTrue(s.lastError().orElseThrow().contains("no room on the host"), s.toString());
    assertEquals(List.of(new GuestState.Difference("ensure", "running", "missing")), s.differs());
  }

  @Test
  void aHeldGuestIsStillLookedAtSoStatusShowsItAsItIs() throws Exception {
    reconciler.reconcile("a");
    reconciler.hold("a");
    fake.destroy("a");
    fake.calls.clear();
    reconciler.reconcile("a"); // woken by the guest's stop event
    assertEquals(List.of(), fake.calls, "nothing was done to it");
    GuestStatus s = reconciler.status().get("a");
    assertEquals(Comparison.DIFFERS, s.observed());
    assertEquals("shutoff", s.state(), "the guest's state as read, not only how it compares");
    assertEquals("held", s.lastResult());
    assertTrue(s.held());
    assertEquals(List.of(new GuestState.Difference("ensure", "running", "shutoff")), s.differs());
  }

  @Test
  void anUnmanagedGuestLeavesStatus() {
    reconciler.reconcile("a");
    reconciler.unmanaged("a");
    assertFalse(reconciler.status().containsKey("a"));
  }

  @Test
  void aGuestOwnedByAnotherHostIsATerminalError() throws Exception {
    fake.add("a", RunState.RUNNING).mark =
        new io.virtd.core.spi.OwnershipMark(
            "other", io.virtd.core.spi.OwnershipMark.Origin.CREATED, "", "");
    assertEquals(WorkQueue.Result.TERMINAL, reconciler.reconcile("a"));
    assertTrue(reconciler.status().get("a").lastError().orElseThrow().contains("other"));
  }

  @Test
  void absentOnAGuestVirtdNeverMarkedIsATerminalRefusalAndTheGuestStays() throws Exception {
    Path f = dir.resolve("m").resolve("a.yaml");
    Files.writeString(f, "virt: a\nvirt_type: kvm\nensure: absent\n");
    store.reload(Instant.EPOCH.plusSeconds(1));
    fake.add("a", RunState.RUNNING); // no mark: defined by someone else
    fake.calls.clear();

    assertEquals(WorkQueue.Result.TERMINAL, reconciler.reconcile("a"));
    assertTrue(fake.guests.containsKey("a"), "not removed");
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
    assertTrue(fake.guests.get("a").mark == null, "not even adopted");
    assertEquals(List.of(), fake.calls);
    String error = reconciler.status().get("a").lastError().orElseThrow();
    assertTrue(error.startsWith(f + ":3:1: "), error);
  }
}
