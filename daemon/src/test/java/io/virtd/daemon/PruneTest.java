package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.config.Config;
import io.virtd.core.control.ControlCommand;
import io.virtd.core.control.ControlRequest;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prune: only after the grace, only guests this owner created, never protected ones. */
class PruneTest {
  static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
  @TempDir Path dir;
  final FakeDriver fake = new FakeDriver();
  Path manifests;
  DesiredStore store;
  final MutableClock clock = new MutableClock(T0);
  Reconciler reconciler;

  @BeforeEach
  void setUp() throws Exception {
    manifests = Files.createDirectories(dir.resolve("m"));
    store = new DesiredStore(manifests);
    reconciler =
        new Reconciler(
            store,
            new Drivers(Config.defaults(), List.of(fake.factory())),
            new Executor("h", new GuestLocks(dir.resolve("locks")), Duration.ofSeconds(1)),
            "h",
            java.util.Set.of(),
            () -> true,
            clock,
            new Holds(),
            new Reconciler.Prune(true, Duration.ofSeconds(60)));
  }

  private void manifest(String text) throws Exception {
    Path f = manifests.resolve("a.yaml");
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    store.reload(clock.now);
  }

  private void removeManifest() throws Exception {
    Files.delete(manifests.resolve("a.yaml"));
    assertEquals(java.util.Set.of("a"), store.reload(clock.now).removed());
  }

  @Test
  void aCreatedGuestIsRemovedOnlyAfterTheGrace() throws Exception {
    manifest("virt: a\nvirt_type: kvm\n");
    assertEquals(WorkQueue.Result.DONE, reconciler.reconcile("a"));
    assertEquals(OwnershipMark.Origin.CREATED, fake.guests.get("a").mark.origin());
    removeManifest();
    clock.now = T0.plusSeconds(59);
    assertEquals(
        WorkQueue.Result.requeueAfter(Duration.ofSeconds(1)),
        reconciler.reconcile("a"),
        "comes back when the grace has passed");
    assertTrue(fake.guests.containsKey("a"), "still inside prune_grace");
    clock.now = T0.plusSeconds(60);
    assertEquals(WorkQueue.Result.DONE, reconciler.reconcile("a"));
    assertFalse(fake.guests.containsKey("a"), "pruned after prune_grace");
    assertTrue(store.goneNames().isEmpty());
  }

  @Test
  void aManifestThatComesBackWithinTheGraceCancelsThePrune() throws Exception {
    manifest("virt: a\nvirt_type: kvm\n");
    reconciler.reconcile("a");
    removeManifest();
    clock.now = T0.plusSeconds(30);
    manifest("virt: a\nvirt_type: kvm\n");
    clock.now = T0.plusSeconds(120);
    reconciler.reconcile("a");
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
  }

  @Test
  void anAdoptedGuestIsLeftAsItIs() throws Exception {
    fake.add("a", RunState.RUNNING);
    manifest("virt: a\nvirt_type: kvm\n");
    reconciler.reconcile("a");
    assertEquals(OwnershipMark.Origin.ADOPTED, fake.guests.get("a").mark.origin());
    removeManifest();
    clock.now = T0.plusSeconds(3600);
    assertEquals(WorkQueue.Result.DONE, reconciler.reconcile("a"));
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
    assertEquals(
        null,
        fake.guests.get("a").mark,
        "handed back un-marked, as the spec's Ownership section says");
  }

  @Test
  void aGuestCreatedByAnotherOwnerIsLeftAsItIs() throws Exception {
    fake.add("a", RunState.RUNNING).mark =
        new OwnershipMark("elsewhere", OwnershipMark.Origin.CREATED, "", "");
    manifest("virt: a\nvirt_type: kvm\n");
    removeManifest();
    clock.now = T0.plusSeconds(3600);
    reconciler.reconcile("a");
    assertTrue(fake.guests.containsKey("a"));
  }

  @Test
  void aProtectedGuestIsNeverPruned() throws Exception {
    manifest("virt: a\nvirt_type: kvm\nprotect: true\n");
    reconciler.reconcile("a");
    removeManifest();
    clock.now = T0.plusSeconds(3600);
    reconciler.reconcile("a");
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
  }

  @Test
  void withoutPruneARemovedManifestLeavesTheGuest() throws Exception {
    Reconciler noPrune = FakeReconcilers.over(store, fake, dir.resolve("locks"), Clock.systemUTC());
    manifest("virt: a\nvirt_type: kvm\n");
    noPrune.reconcile("a");
    removeManifest();
    clock.now = T0.plusSeconds(3600);
    noPrune.reconcile("a");
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
  }

  /**
   * A guest held while its manifest is removed is left alone while held; {@code release} accepts
   * its name though no manifest declares it any more, and the prune then runs by its usual rules.
   */
  @Test
  void aHeldGuestWhoseManifestIsRemovedCanBeReleasedAndIsThenPruned() throws Exception {
    manifest("virt: a\nvirt_type: kvm\n");
    reconciler.reconcile("a");
    List<String> queued = new java.util.ArrayList<>();
    Control control = new Control(store, reconciler, queued::add);
    assertTrue(control.handle(new ControlRequest(ControlCommand.HOLD, List.of("a"))).ok());
    removeManifest();
    clock.now = T0.plusSeconds(3600);
    reconciler.reconcile("a");
    assertTrue(fake.guests.containsKey("a"), "held: left as it is");

    var released = control.handle(new ControlRequest(ControlCommand.RELEASE, List.of("a")));
    assertTrue(released.ok(), released.toString());
    assertEquals(List.of("a"), queued, "queued again");
    assertEquals(WorkQueue.Result.DONE, reconciler.reconcile("a"));
    assertFalse(fake.guests.containsKey("a"), "pruned once released");

    var again = control.handle(new ControlRequest(ControlCommand.RELEASE, List.of("a")));
    assertFalse(again.ok(), "neither declared nor held: unknown");
  }
}
