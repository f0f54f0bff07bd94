package io.virtd.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.Field;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.spi.DriverFactory;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import io.virtd.core.testing.Specs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plan → execute → re-observe through a fake driver, as {@code virtctl apply} does. */
class ApplyTest {
  @TempDir Path locks;
  final FakeDriver fake = new FakeDriver();
  final List<ApplyEvent> events = new ArrayList<>();

  Drivers drivers() {
    DriverFactory f = fake.factory();
    return new Drivers(Config.defaults(), List.of(f));
  }

  Apply.Result apply(DesiredState d) {
    return apply(d, Executor.Gate.OPEN);
  }

  Apply.Result apply(DesiredState d, Executor.Gate gate) {
    PlanPolicy policy = PlanPolicy.of("host1");
    Drivers drivers = drivers();
    Plan plan = Planning.plan(d.resources().values(), drivers, policy);
    return Apply.run(
        plan,
        drivers,
        new Executor("host1", new GuestLocks(locks), Duration.ofSeconds(1)),
        policy,
        events::add,
        1,
        gate,
        name -> {});
  }

  static final String TWO =
      """
      virt: a
      virt_type: kvm
      memory: 256
      cpus: 2
      ---
      virt: b
      virt_type: kvm
      ensure: stopped
      """;

  @Test
  void convergesFromNothingAndASecondRunIsANoOp() {
    DesiredState d = Specs.load(TWO);
    Apply.Result first = apply(d);
    assertEquals(0, first.exitCode(), first.toString());
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
    assertEquals(RunState.SHUTOFF, fake.guests.get("b").state);
    assertEquals(List.of("create a", "start a", "create b"), fake.calls);
    fake.calls.clear();
    Apply.Result second = apply(d);
    assertEquals(0, second.exitCode());
    assertEquals(List.of(), fake.calls, "a converged guest is not touched");
    assertFalse(second.after().hasChanges());
  }

  @Test
  void aGateClosedAfterTheFirstStepLeavesTheRestUnbegunAndExitsOneWithoutInconsistency() {
    List<String> asked = new ArrayList<>();
    Apply.Result r =
        apply(
            Specs.load(TWO),
            step -> {
              asked.add(step);
              return asked.size() == 1; // interrupted while the first step ran
            });
    assertEquals(List.of("create a"), fake.calls);
    assertEquals(List.of("a", "b"), r.halted());
    assertEquals(List.of(), r.inconsistent(), "an unfinished guest is no driver inconsistency");
    assertEquals(List.of(), r.failed());
    assertEquals(1, r.exitCode());
    assertTrue(r.after().hasChanges(), "what was not begun is still to do");
  }

  static final String ONE = "virt: a\nvirt_type: kvm\nmemory: 256\n";

  /** What another process does to guest {@code a} meanwhile: converge it itself. */
  void otherProcessConvergesA() throws Exception {
    var spec = Specs.load(ONE).get("a").orElseThrow();
    fake.create(
        spec,
        io.virtd.core.spi.OwnershipMark.forSpec(
            spec, "host1", io.virtd.core.spi.OwnershipMark.Origin.CREATED));
    fake.start("a");
  }

  /**
   * Applies {@code plan} (made earlier) with a 10 s lock wait, reporting waits to {@code waiting}.
   */
  Apply.Result applyStale(Plan plan, Drivers drivers, PlanPolicy policy, List<String> waiting) {
    return Apply.run(
        plan,
        drivers,
        new Executor("host1", new GuestLocks(locks), Duration.ofSeconds(10)),
        policy,
        events::add,
        1,
        Executor.Gate.OPEN,
        waiting::add);
  }

  @Test
  void aGuestLockedByAnotherProcessIsWaitedForSaidAndPlannedAgain() throws Exception {
    DesiredState d = Specs.load(ONE);
    PlanPolicy policy = PlanPolicy.of("host1");
    Drivers drivers = drivers();
    Plan plan = Planning.plan(d.resources().values(), drivers, policy); // create, then start
    List<String> waiting = new java.util.concurrent.CopyOnWriteArrayList<>();
    GuestLocks.Held other = new GuestLocks(locks).acquire("a", Duration.ofSeconds(1));
    Thread daemon =
        new Thread(
            () -> {
              try {
                while (waiting.isEmpty()) {
                  Thread.sleep(10);
                }
                otherProcessConvergesA();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              } finally {
                other.close();
              }
            });
    daemon.start();
    Apply.Result r = applyStale(plan, drivers, policy, waiting);
    daemon.join(10_000);
    assertEquals(List.of("a"), waiting, "apply said it was waiting");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals(List.of("create a", "start a"), fake.calls, "only the other process acted");
    assertEquals(List.of(), events, "the stale plan's steps were not run");
  }

  /**
   * Another run converged the guest after this plan was made and released the lock before this run
   * asked for it: no wait, but the plan is stale all the same, and is made again under the lock.
   */
  @Test
  void aPlanMadeStaleBeforeTheLockWasTakenIsPlannedAgainUnderIt() throws Exception {
    DesiredState d = Specs.load(ONE);
    PlanPolicy policy = PlanPolicy.of("host1");
    Drivers drivers = drivers();
    Plan plan = Planning.plan(d.resources().values(), drivers, policy); // create, then start
    try (GuestLocks.Held other = new GuestLocks(locks).acquire("a", Duration.ofSeconds(1))) {
      otherProcessConvergesA();
    }
    List<String> waiting = new ArrayList<>();
    Apply.Result r = applyStale(plan, drivers, policy, waiting);
    assertEquals(List.of(), waiting, "the lock was free");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals(List.of("create a", "start a"), fake.calls, "only the other run acted");
    assertEquals(List.of(), events, "the stale plan's steps were not run");
  }

  @Test
  void thePlanAfterApplyStillShowsAResourceThatCouldNotBePlanned() {
    fake.add("a", RunState.RUNNING).mark =
        new io.virtd.core.spi.OwnershipMark(
            "other", io.virtd.core.spi.OwnershipMark.Origin.CREATED, "", "");
    Apply.Result r = apply(Specs.load(TWO));
    assertEquals(List.of("a"), r.failed());
    assertEquals(1, r.exitCode());
    assertEquals(
        List.of("a", "b"), r.after().resources().stream().map(p -> p.name()).toList(), "both");
    assertTrue(r.after().resources().get(0).error().orElseThrow().contains("other"));
    assertEquals(List.of(), r.inconsistent(), "an error is no driver inconsistency");
  }

  @Test
  void aLiveChangeTheGuestIgnoresEndsAsRestartPendingNotFailure() {
    apply(Specs.load(TWO));
    fake.honoursBalloon = false;
    DesiredState smaller = Specs.load(TWO.replace("memory: 256", "memory: 128"));
    Apply.Result r = apply(smaller);
    assertEquals(3, r.exitCode(), r.toString());
    assertEquals(List.of(Field.MEMORY), r.after().resources().get(0).restartPending());
    assertTrue(events.stream().anyMatch(e -> e.detail().orElse("").contains("not honoured")));
  }

  @Test
  void aDriverThatDoesNotDoWhatItSaidIsReportedInconsistent() {
    apply(Specs.load(TWO));
    fake.ignoresUpdates = true;
    Apply.Result r = apply(Specs.load(TWO.replace("cpus: 2", "cpus: 1")));
    assertEquals(1, r.exitCode(), r.toString());
    assertEquals(1, r.inconsistent().size());
    assertTrue(
        r.inconsistent().get(0).startsWith("a: cpus is 2, wanted 1"), r.inconsistent().get(0));
  }

  @Test
  void aFailingStepIsReportedAndTheOtherGuestsStillRun() {
    apply(Specs.load(TWO));
    fake.guests.get("a").state = RunState.SHUTOFF;
    fake.guests.get("b").state = RunState.RUNNING;
    DesiredState d = Specs.load(TWO);
    PlanPolicy policy = PlanPolicy.of("host1");
    Drivers drivers = drivers();
    Plan plan = Planning.plan(d.resources().values(), drivers, policy);
    fake.onCall =
        call -> {
          if (call.equals("start a")) {
            throw new IllegalStateException("the hypervisor refused to start a");
          }
        };
    Apply.Result r =
        Apply.run(
            plan,
            drivers,
            new Executor("host1", new GuestLocks(locks), Duration.ofSeconds(1)),
            policy,
            events::add);
    assertEquals(1, r.exitCode());
    assertEquals(List.of("a"), r.failed());
    assertEquals(RunState.SHUTOFF, fake.guests.get("b").state, "b was still stopped");
  }

  @Test
  void stoppingAGuestThatIgnoresAcpiSaysItWasForced() {
    apply(Specs.load(TWO));
    fake.guests.get("a").ignoresAcpi = true;
    Apply.Result r = apply(Specs.load(TWO.replace("cpus: 2", "cpus: 2\nensure: stopped")));
    assertEquals(0, r.exitCode());
    assertTrue(
        events.stream()
            .anyMatch(e -> e.step().equals("stop") && e.detail().orElse("").contains("forced")));
  }
}
