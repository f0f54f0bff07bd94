package io.virtd.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.Planner;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.VmDriver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every driver must do, written once and run against each (libvirt's test driver, a real QEMU,
 * the OpenVZ simulator). Guests are small (64 MiB, one vcpu, no disk), carry a unique name prefix
 * and are removed after every test, whatever happened.
 *
 * <p>A subclass says how to reach its target and answers the questions on which targets honestly
 * differ (which fields exist, what a guest gets by default, whether it follows a live change). A
 * case that cannot apply to a target is skipped through a capability method whose override says
 * why; no case is weakened for every driver because one cannot do it.
 */
public abstract class DriverContract {
  public static final String OWNER = "virtd-test";
  public static final Path MANIFEST = Path.of("/etc/virtd/manifests/test.yaml");

  /** A change that waits for the guest's next start: the value it is created with, the new one. */
  public record RestartOnly(Field field, Object initial, Object changed) {}

  /** The driver under test, opened afresh for every test. */
  protected abstract VmDriver openDriver() throws Exception;

  /** Removes every guest whose name starts with {@code prefix}, without the driver under test. */
  protected abstract void removeLeftovers(String prefix) throws Exception;

  /** The {@code virt_type} guests get on this target. */
  protected abstract VirtType virtType();

  /**
   * Field/value pairs every guest of this target needs besides {@code virt_type} (none by default).
   */
  protected Object[] required() {
    return new Object[0];
  }

  /**
   * Field/value pairs the creation test declares besides memory, cpus, {@code ensure: stopped} and
   * a description with markup characters: this target's own keys, with values other than its
   * defaults.
   */
  protected abstract Object[] declaredAtCreation();

  /** What a created guest has where its spec says nothing (memory, cpus and autoboot aside). */
  protected abstract Map<Field, Object> creationDefaults();

  /** What a started guest reports live where its spec says nothing (memory and cpus aside). */
  protected abstract Map<Field, Object> liveDefaults();

  /** A change a running guest only takes at its next start. */
  protected abstract RestartOnly restartOnlyChange();

  /** Field/value pairs of a change that would wait for a restart if the guest ran. */
  protected Object[] offlineChange() {
    RestartOnly r = restartOnlyChange();
    return new Object[] {r.field(), r.changed()};
  }

  /** How a running guest takes a change of {@code autoboot}. */
  protected Mutability autobootChange() {
    return Mutability.LIVE;
  }

  /**
   * Whether the running guest's own view includes its description, which the driver then changes
   * live; otherwise the description is configuration only.
   */
  protected boolean liveShowsDescription() {
    return true;
  }

  /**
   * Whether a running guest has a maximum memory and vcpu count fixed at its start, beyond which a
   * change waits for a restart.
   */
  protected boolean hasBootTimeMaximum() {
    return true;
  }

  /**
   * Whether a guest ignores the ACPI power button, so a stop must time out and force it off (a
   * diskless QEMU guest sits in its BIOS; the test driver shuts off at once).
   */
  protected abstract boolean ignoresAcpi();

  /** Whether the guest follows a live memory change (a BIOS has no balloon). */
  protected abstract boolean followsBalloon();

  /** Whether the guest takes a live vcpu unplug (needs guest ACPI on QEMU). */
  protected abstract boolean followsVcpuUnplug();

  /**
   * Makes a guest called {@code spec.name()} outside the driver, matching {@code spec} but without
   * an ownership mark, with something the driver does not manage that adoption must keep.
   */
  protected abstract void defineUnmarked(VmSpec spec) throws Exception;

  /** Checks that what {@link #defineUnmarked} put there besides the spec survived adoption. */
  protected abstract void assertAdoptionKeptTheRest(
      VmSpec spec, ObservedVm before, ObservedVm after) throws Exception;

  /**
   * A spec built on {@code base} that {@link VmDriver#create} cannot carry out for a reason {@link
   * VmDriver#preflight} can see without changing anything, after preparing whatever that needs
   * (guests made here must carry the test's prefix); {@code null} when this target has no such
   * reason.
   */
  protected VmSpec unpreparedSpec(VmSpec base) throws Exception {
    return null;
  }

  /**
   * Create-time fields this target changes on an existing guest after all, and how (libvirt
   * rewrites a new maximum into the definition, in effect at the next start).
   */
  protected Map<Field, Mutability> createTimeButChangeable() {
    return Map.of();
  }

  /** A value of {@code f} for the declaration checks (the rules of memory and cpus read it). */
  protected Object sample(Field f) {
    return switch (f) {
      case MEMORY -> mib(512);
      case CPUS -> 2;
      default -> null;
    };
  }

  /** Whether the target has the device lists {@code disks} and {@code nics} (libvirt's). */
  protected boolean hasDeviceLists() {
    return true;
  }

  /**
   * Whether a running guest lets go of a disk it is asked to unplug: one with no OS (sitting in its
   * BIOS) never does, and the driver then reports the removal as pending.
   */
  protected boolean releasesUnpluggedDevices() {
    return true;
  }

  /**
   * Whether the target plugs disks and NICs into a running guest (libvirt's test driver does not).
   */
  protected boolean hotPlugsDevices() {
    return true;
  }

  /** A host bridge this target can put a running guest's NIC on. */
  protected String bridge() {
    return "virtd-it-br0";
  }

  protected VmDriver driver;
  protected String prefix;

  @BeforeEach
  void open() throws Exception {
    driver = openDriver();
    // -Dvirtd.it.prefix: where several test runs share one libvirtd, each keeps to its own names
    prefix =
        System.getProperty("virtd.it.prefix", "virtd-it-")
            + UUID.randomUUID().toString().substring(0, 8)
            + "-";
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (driver != null) {
        driver.close();
      }
    } finally {
      removeLeftovers(prefix);
    }
  }

  protected VmSpec small(String suffix, Object... pairs) {
    VmSpec base =
        with(spec(prefix + suffix, virtType(), required()), Field.MEMORY, mib(64), Field.CPUS, 1);
    return with(base, pairs);
  }

  protected ObservedVm created(VmSpec spec) throws DriverException {
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    return driver.observe(spec.name()).orElseThrow();
  }

  @Test
  void createdGuestIsObservedAsDeclared() throws Exception {
    VmSpec spec =
        with(
            small(
                "create", Field.ENSURE, Ensure.STOPPED, Field.DESC, "a <test> guest & \"friends\""),
            declaredAtCreation());
    ObservedVm vm = created(spec);

    assertEquals(spec.name(), vm.name());
    assertEquals(RunState.SHUTOFF, vm.state());
    assertTrue(vm.live().isEmpty());
    for (Map.Entry<Field, Object> e : spec.managed().entrySet()) {
      assertEquals(e.getValue(), vm.persistent().get(e.getKey()), e.getKey().key());
    }
    assertEquals(mib(64), vm.persistent().get(Field.MEMORY));
    assertEquals(1, vm.persistent().get(Field.CPUS));
    assertEquals(false, vm.persistent().get(Field.AUTOBOOT));
    creationDefaults().forEach((f, v) -> assertEquals(v, vm.persistent().get(f), f.key()));
    assertEquals(mark(spec, OwnershipMark.Origin.CREATED), vm.mark().orElseThrow());
    assertEquals(mib(64), vm.maxMemoryKiB());
    assertEquals(1, vm.maxVcpus());

    ResourcePlan again = plan(driver, spec, driver.observe(spec.name()));
    assertFalse(again.hasChanges(), () -> "re-plan after create: " + again);
    assertTrue(driver.observeAll().containsKey(spec.name()));
  }

  /**
   * {@code disks} and {@code nics}: created as listed (a NIC's MAC as given, one left out
   * generated); on the running guest a disk and a NIC added are hot-plugged and a disk removed is
   * unplugged, or reported as pending where the guest does not let go of it; then nothing is left
   * to do.
   */
  @Test
  void disksAndNicsAreCreatedAsListedAndHotPlugged() throws Exception {
    Assumptions.assumeTrue(hasDeviceLists(), "this target has no disks and nics lists");
    String mac = "52:54:00:3c:00:01";
    DiskSpec vda = DiskSpec.blank("vda", 1);
    DiskSpec vdb = DiskSpec.blank("vdb", 2);
    NicSpec fixed = new NicSpec(NicSpec.Type.BRIDGE, bridge(), mac, null, null);
    VmSpec spec = small("devs", Field.DISKS, List.of(vda, vdb), Field.NICS, List.of(fixed));
    try {
      ObservedVm vm = created(spec);
      assertEquals(List.of("vda", "vdb"), targets(vm.persistent().get(Field.DISKS)));
      assertEquals(List.of(1L, 2L), sizes(vm.persistent().get(Field.DISKS)));
      List<?> nics = (List<?>) vm.persistent().get(Field.NICS);
      assertEquals(1, nics.size());
      assertEquals(mac, ((NicSpec) nics.get(0)).mac());
      driver.start(spec.name());
      assertFalse(plan(driver, spec, driver.observe(spec.name())).hasChanges());

      DiskSpec vdc = DiskSpec.blank("vdc", 1);
      NicSpec added = new NicSpec(NicSpec.Type.BRIDGE, bridge(), null, null, null);
      VmSpec after = with(spec, Field.DISKS, List.of(vda, vdc), Field.NICS, List.of(fixed, added));
      ObservedVm current = driver.observe(spec.name()).orElseThrow();
      ResourcePlan p = plan(driver, after, Optional.of(current));
      assertEquals(
          List.of("+vdc:LIVE", "-vdb:LIVE", "+nic:LIVE"),
          changes(p).stream().map(DriverContract::itemChange).toList());
      Set<Field> missed =
          driver.update(after, current, changes(p), mark(after, OwnershipMark.Origin.CREATED));

      ObservedVm now = driver.observe(spec.name()).orElseThrow();
      assertEquals(List.of("vda", "vdc"), targets(now.persistent().get(Field.DISKS)));
      List<?> twoNics = (List<?>) now.persistent().get(Field.NICS);
      assertEquals(2, twoNics.size());
      String generated = ((NicSpec) twoNics.get(1)).mac();
      assertTrue(generated != null && !generated.equals(mac), "a MAC generated: " + generated);
      ResourcePlan settled = plan(driver, after, Optional.of(now));
      assertFalse(settled.has(Step.Update.class), () -> "re-plan after update: " + settled);
      if (!hotPlugsDevices()) {
        assertTrue(settled.restartPending().contains(Field.DISKS), settled::toString);
        assertTrue(settled.restartPending().contains(Field.NICS), settled::toString);
      } else {
        assertTrue(targets(now.live().get(Field.DISKS)).contains("vdc"), "vdc attached live");
        assertEquals(2, ((List<?>) now.live().get(Field.NICS)).size(), "the NIC plugged live");
      }
      if (!hotPlugsDevices()) {
        // nothing more to see on a target that changes no running guest's devices
      } else if (releasesUnpluggedDevices()) {
        assertEquals(Set.of(), missed);
        assertFalse(targets(now.live().get(Field.DISKS)).contains("vdb"), "vdb unplugged");
        assertFalse(settled.hasChanges(), settled::toString);
      } else {
        assertEquals(Set.of(Field.DISKS), missed);
        assertEquals(List.of(Field.DISKS), settled.restartPending());
      }
      ObservedVm again = driver.observe(spec.name()).orElseThrow();
      assertEquals(
          generated,
          ((NicSpec) ((List<?>) again.persistent().get(Field.NICS)).get(1)).mac(),
          "the generated MAC is kept");
    } finally {
      driver.remove(spec.name());
    }
  }

  private static List<String> targets(Object disks) {
    return ((List<?>) disks).stream().map(d -> ((DiskSpec) d).target()).toList();
  }

  private static List<Long> sizes(Object disks) {
    return ((List<?>) disks).stream().map(d -> ((DiskSpec) d).size()).toList();
  }

  /** {@code +vdc:LIVE}, {@code -vdb:LIVE}, {@code +nic:LIVE}: an item change in short. */
  private static String itemChange(FieldChange c) {
    String sign = c.before() == null ? "+" : c.after() == null ? "-" : "~";
    Object item = c.after() != null ? c.after() : c.before();
    return sign + (item instanceof DiskSpec d ? d.target() : "nic") + ":" + c.mutability();
  }

  @Test
  void startedGuestReportsItsLiveState() throws Exception {
    VmSpec spec = small("start");
    created(spec);
    driver.start(spec.name());
    ObservedVm vm = driver.observe(spec.name()).orElseThrow();
    assertEquals(RunState.RUNNING, vm.state());
    assertEquals(mib(64), vm.live().get(Field.MEMORY));
    assertEquals(1, vm.live().get(Field.CPUS));
    liveDefaults().forEach((f, v) -> assertEquals(v, vm.live().get(f), f.key()));
    assertEquals(mib(64), vm.maxMemoryKiB());
    assertFalse(plan(driver, spec, Optional.of(vm)).hasChanges());

    driver.start(spec.name()); // already running: nothing to do
    driver.resume(spec.name());
    assertEquals(RunState.RUNNING, driver.observe(spec.name()).orElseThrow().state());
  }

  @Test
  void updateWritesTheDefinitionAndChangesTheRunningGuest() throws Exception {
    RestartOnly waits = restartOnlyChange();
    VmSpec before =
        small("update", Field.CPUS, 2, Field.AUTOBOOT, false, waits.field(), waits.initial());
    created(before);
    driver.start(before.name());

    VmSpec after =
        with(
            before,
            Field.MEMORY,
            mib(48),
            Field.CPUS,
            1,
            waits.field(),
            waits.changed(),
            Field.AUTOBOOT,
            true,
            Field.DESC,
            "now described");
    ObservedVm current = driver.observe(after.name()).orElseThrow();
    ResourcePlan p = plan(driver, after, Optional.of(current));
    Map<Field, Mutability> how = mutabilities(changes(p));
    assertEquals(
        Map.of(
            Field.MEMORY,
            Mutability.LIVE,
            Field.CPUS,
            Mutability.LIVE,
            waits.field(),
            Mutability.RESTART,
            Field.AUTOBOOT,
            autobootChange(),
            Field.DESC,
            liveShowsDescription() ? Mutability.LIVE : Mutability.CONFIG),
        how);

    Set<Field> notHonoured =
        driver.update(after, current, changes(p), mark(after, OwnershipMark.Origin.CREATED));

    ObservedVm vm = driver.observe(after.name()).orElseThrow();
    assertEquals(RunState.RUNNING, vm.state());
    for (Map.Entry<Field, Object> e : after.managed().entrySet()) {
      assertEquals(e.getValue(), vm.persistent().get(e.getKey()), "persistent " + e.getKey().key());
    }
    assertEquals(mark(after, OwnershipMark.Origin.CREATED), vm.mark().orElseThrow());
    if (liveShowsDescription()) {
      assertEquals("now described", vm.live().get(Field.DESC));
    }
    assertEquals(
        waits.initial(),
        vm.live().get(waits.field()),
        waits.field().key() + " waits for a restart");
    assertEquals(followsBalloon() ? mib(48) : mib(64), vm.live().get(Field.MEMORY));
    assertEquals(followsBalloon(), !notHonoured.contains(Field.MEMORY), "memory in " + notHonoured);
    assertEquals(followsVcpuUnplug() ? 1 : 2, vm.live().get(Field.CPUS));
    assertEquals(followsVcpuUnplug(), !notHonoured.contains(Field.CPUS), "cpus in " + notHonoured);
    assertFalse(notHonoured.contains(Field.DESC));

    ResourcePlan settled = plan(driver, after, Optional.of(vm));
    assertFalse(settled.has(Step.Update.class), () -> "re-plan after update: " + settled);
    assertTrue(
        settled.restartPending().contains(waits.field()), settled.restartPending()::toString);
    assertEquals(!followsBalloon(), settled.restartPending().contains(Field.MEMORY));
  }

  @Test
  void growingBeyondTheMaximumWaitsForARestart() throws Exception {
    Assumptions.assumeTrue(hasBootTimeMaximum(), "this target fixes no maximum at start");
    VmSpec before = small("grow");
    created(before);
    driver.start(before.name());
    VmSpec after = with(before, Field.MEMORY, mib(96), Field.CPUS, 2);
    ObservedVm current = driver.observe(after.name()).orElseThrow();
    List<FieldChange> changes = changes(plan(driver, after, Optional.of(current)));
    assertEquals(
        Map.of(Field.MEMORY, Mutability.RESTART, Field.CPUS, Mutability.RESTART),
        mutabilities(changes));

    assertEquals(
        Set.of(),
        driver.update(after, current, changes, mark(after, OwnershipMark.Origin.CREATED)));
    ObservedVm vm = driver.observe(after.name()).orElseThrow();
    assertEquals(mib(96), vm.persistent().get(Field.MEMORY));
    assertEquals(2, vm.persistent().get(Field.CPUS));
    assertEquals(mib(64), vm.live().get(Field.MEMORY));
    assertEquals(1, vm.live().get(Field.CPUS));

    assertTrue(driver.stop(after.name(), Duration.ofSeconds(2)) == ignoresAcpi());
    driver.start(after.name());
    vm = driver.observe(after.name()).orElseThrow();
    assertEquals(mib(96), vm.live().get(Field.MEMORY));
    assertEquals(2, vm.live().get(Field.CPUS));
    assertFalse(plan(driver, after, Optional.of(vm)).hasChanges());
  }

  @Test
  void updatingAStoppedGuestOnlyWritesItsDefinition() throws Exception {
    VmSpec before = small("offline", Field.ENSURE, Ensure.STOPPED);
    created(before);
    VmSpec after = with(with(before, Field.MEMORY, mib(32), Field.DESC, "x"), offlineChange());
    ObservedVm current = driver.observe(after.name()).orElseThrow();
    List<FieldChange> changes = changes(plan(driver, after, Optional.of(current)));
    assertTrue(
        changes.stream().allMatch(c -> c.mutability() == Mutability.CONFIG), changes::toString);
    assertEquals(
        Set.of(),
        driver.update(after, current, changes, mark(after, OwnershipMark.Origin.CREATED)));
    ObservedVm vm = driver.observe(after.name()).orElseThrow();
    assertEquals(RunState.SHUTOFF, vm.state());
    assertFalse(plan(driver, after, Optional.of(vm)).hasChanges());
  }

  @Test
  void stopShutsDownAndForcesOffAfterTheTimeout() throws Exception {
    VmSpec spec = small("stop");
    created(spec);
    driver.start(spec.name());
    long t0 = System.nanoTime();
    boolean forced = driver.stop(spec.name(), Duration.ofSeconds(2));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(ignoresAcpi(), forced);
    if (ignoresAcpi()) {
      assertTrue(ms >= 2000, "forced after " + ms + " ms, before the timeout");
    }
    assertEquals(RunState.SHUTOFF, driver.observe(spec.name()).orElseThrow().state());

    assertFalse(driver.stop(spec.name(), Duration.ofSeconds(2)), "stopping a stopped guest");
    driver.destroy(spec.name());
  }

  @Test
  void destroyForcesOffAtOnce() throws Exception {
    VmSpec spec = small("destroy");
    created(spec);
    driver.start(spec.name());
    driver.destroy(spec.name());
    assertEquals(RunState.SHUTOFF, driver.observe(spec.name()).orElseThrow().state());
    driver.destroy(spec.name());
  }

  @Test
  void removeUndefinesEvenARunningGuest() throws Exception {
    VmSpec spec = small("remove");
    created(spec);
    driver.start(spec.name());
    driver.remove(spec.name());
    assertEquals(Optional.empty(), driver.observe(spec.name()));
    assertFalse(driver.observeAll().containsKey(spec.name()));
    driver.remove(spec.name());
  }

  @Test
  void unmarkRemovesTheMarkAndNothingElseEvenWhileRunning() throws Exception {
    VmSpec spec = small("unmark");
    ObservedVm before = created(spec);
    assertTrue(before.mark().isPresent());
    driver.start(spec.name());
    driver.unmark(spec.name());
    ObservedVm after = driver.observe(spec.name()).orElseThrow();
    assertEquals(Optional.empty(), after.mark(), "the mark is gone");
    assertEquals(RunState.RUNNING, after.state(), "the guest was left running");
    // the guest's own values are unchanged; values a driver reads from its mark go with it
    assertTrue(
        before.persistent().entrySet().containsAll(after.persistent().entrySet()), after::toString);
    for (Field f : List.of(Field.VIRT_TYPE, Field.MEMORY, Field.CPUS)) {
      assertEquals(before.persistent().get(f), after.persistent().get(f), f.key());
    }
    driver.unmark(spec.name()); // a guest without a mark: nothing to do
    driver.unmark(prefix + "missing"); // no guest: nothing to do
  }

  @Test
  void callsOnAMissingGuestAreNoOpsOrNotFound() throws Exception {
    String missing = prefix + "missing";
    assertEquals(Optional.empty(), driver.observe(missing));
    assertFalse(driver.stop(missing, Duration.ofSeconds(1)));
    driver.destroy(missing);
    driver.remove(missing);
    DriverException e = assertThrows(DriverException.class, () -> driver.start(missing));
    assertEquals(DriverException.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains(missing), e.getMessage());
  }

  @Test
  void adoptionMarksAnUnmarkedGuestWithoutChangingIt() throws Exception {
    VmSpec spec = small("adopt");
    defineUnmarked(spec);
    ObservedVm before = driver.observe(spec.name()).orElseThrow();
    assertTrue(before.mark().isEmpty());
    ResourcePlan p = plan(driver, spec, Optional.of(before));
    assertTrue(p.has(Step.Adopt.class));

    OwnershipMark adopted = mark(spec, OwnershipMark.Origin.ADOPTED);
    driver.update(spec, before, changes(p), adopted);
    ObservedVm after = driver.observe(spec.name()).orElseThrow();
    assertEquals(adopted, after.mark().orElseThrow());
    assertAdoptionKeptTheRest(spec, before, after);
  }

  @Test
  void absentOnAnUnmarkedGuestRemovesNothingUnlessReplaceConsents(@TempDir Path locks)
      throws Exception {
    VmSpec spec = small("unmarked");
    defineUnmarked(spec);
    VmSpec absent = with(spec, Field.ENSURE, Ensure.ABSENT);
    Executor executor = new Executor(OWNER, new GuestLocks(locks), Duration.ofSeconds(5));

    ResourcePlan refused = plan(driver, absent, driver.observe(spec.name()));
    assertTrue(refused.refused(), refused::toString);
    assertEquals(List.of(), refused.steps(), "nothing to carry out");
    assertTrue(
        refused.error().orElseThrow().contains("--replace " + spec.name()),
        "says how to consent: " + refused.error());
    ObservedVm still = driver.observe(spec.name()).orElseThrow();
    assertEquals(Optional.empty(), still.mark(), "not even adopted");

    ResourcePlan consented =
        Planner.planOne(
            Planner.Input.of(
                absent,
                driver.kind() + " " + driver.target(),
                driver.capabilities(),
                Optional.of(still)),
            new PlanPolicy(OWNER, Set.of(spec.name()), true));
    assertEquals(List.of(new Step.Adopt(), new Step.Remove()), consented.steps());
    assertTrue(executor.run(consented, driver, e -> {}).ok());
    assertEquals(Optional.empty(), driver.observe(spec.name()));
  }

  @Test
  void everyFieldIsDeclaredAndSupportedExactlyWhereTheManifestSaysSo() {
    var caps = driver.capabilities();
    ObservedVm running =
        new ObservedVm("g", RunState.RUNNING, Map.of(), Map.of(), Optional.empty(), mib(1024), 4);
    for (Field f : Field.values()) {
      assertTrue(caps.declared().contains(f), f.key() + " is not declared");
      Mutability m = caps.mutability(f, sample(f), running);
      assertEquals(f.supportedBy(driver.kind()), m != Mutability.UNSUPPORTED, f.key() + " is " + m);
      if (f.kind() == Field.Kind.CREATE_TIME && f.supportedBy(driver.kind())) {
        assertEquals(
            createTimeButChangeable().getOrDefault(f, Mutability.REPLACE),
            m,
            f.key() + " is fixed at creation");
      }
    }
  }

  @Test
  void observeOneGuestSeesWhatObserveAllSees() throws Exception {
    List<VmSpec> guests = stoppedRunningAndUnmarked("obs");
    Map<String, ObservedVm> all = driver.observeAll();
    for (VmSpec s : guests) {
      assertEquals(driver.observe(s.name()).orElseThrow(), all.get(s.name()), s.name());
    }
    assertEquals(RunState.RUNNING, all.get(guests.get(1).name()).state());
    assertEquals(Optional.empty(), all.get(guests.get(2).name()).mark());
  }

  /** A stopped and a running guest the driver created, and one made without it, unmarked. */
  private List<VmSpec> stoppedRunningAndUnmarked(String suffix) throws Exception {
    VmSpec stopped = small(suffix + "-off", Field.ENSURE, Ensure.STOPPED);
    created(stopped);
    VmSpec running = small(suffix + "-on");
    created(running);
    driver.start(running.name());
    VmSpec unmarked = small(suffix + "-unmarked");
    defineUnmarked(unmarked);
    return List.of(stopped, running, unmarked);
  }

  @Test
  void aGuestAloneIsRemovable() throws Exception {
    List<VmSpec> guests = stoppedRunningAndUnmarked("rm");
    for (VmSpec s : guests) {
      assertEquals(Optional.empty(), driver.whyNotRemovable(s.name()), s.name());
    }
    assertEquals(Optional.empty(), driver.whyNotRemovable(prefix + "missing"));
    assertEquals(RunState.RUNNING, driver.observe(guests.get(1).name()).orElseThrow().state());
  }

  @Test
  void preflightFindsNothingWrongWithAGuestItCanCreate() throws Exception {
    VmSpec spec = small("pf-ok");
    assertEquals(List.of(), driver.preflight(spec));
    assertEquals(Optional.empty(), driver.observe(spec.name()), "preflight creates nothing");
    created(spec);
  }

  @Test
  void preflightSeesWhatWouldMakeCreateFailAndChangesNothing() throws Exception {
    VmSpec spec = unpreparedSpec(small("pf-bad"));
    Assumptions.assumeTrue(spec != null, "this target has nothing preflight can see");
    Map<String, ObservedVm> before = ours();

    List<String> problems = driver.preflight(spec);
    assertFalse(problems.isEmpty(), "preflight saw nothing wrong");
    for (String p : problems) {
      assertTrue(p.startsWith(spec.file() + ":"), "FILE:LINE:COL first: " + p);
    }
    assertEquals(before, ours(), "preflight changed nothing");

    assertThrows(
        DriverException.class,
        () -> driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED)),
        "create went ahead where preflight said it could not");
    assertEquals(Optional.empty(), driver.observe(spec.name()));
  }

  /** This test's guests: a shared hypervisor has others' too, which change meanwhile. */
  private Map<String, ObservedVm> ours() throws DriverException {
    Map<String, ObservedVm> m = new java.util.TreeMap<>(driver.observeAll());
    m.keySet().removeIf(n -> !n.startsWith(prefix));
    return m;
  }

  // ------------------------------------------------------------------ helpers

  /** A resource: {@code virt_type} plus alternating field/value pairs, values already parsed. */
  public static VmSpec spec(String name, VirtType type, Object... pairs) {
    Map<Field, Object> values = new EnumMap<>(Field.class);
    values.put(Field.VIRT_TYPE, type);
    return with(new VmSpec(name, values, MANIFEST, Pos.START), pairs);
  }

  public static VmSpec with(VmSpec base, Object... pairs) {
    Map<Field, Object> values = new EnumMap<>(Field.class);
    values.putAll(base.values());
    for (int i = 0; i < pairs.length; i += 2) {
      values.put((Field) pairs[i], pairs[i + 1]);
    }
    return new VmSpec(base.name(), values, base.file(), base.pos());
  }

  public static OwnershipMark mark(VmSpec spec, OwnershipMark.Origin origin) {
    return OwnershipMark.forSpec(spec, OWNER, origin);
  }

  public static ResourcePlan plan(VmDriver driver, VmSpec spec, Optional<ObservedVm> observed) {
    return Planner.planOne(
        Planner.Input.of(
            spec, driver.kind() + " " + driver.target(), driver.capabilities(), observed),
        PlanPolicy.of(OWNER));
  }

  /** The field changes of the plan's update step (none when the guest already matches). */
  public static List<FieldChange> changes(ResourcePlan plan) {
    return plan.steps().stream()
        .filter(Step.Update.class::isInstance)
        .map(Step.Update.class::cast)
        .flatMap(u -> u.changes().stream())
        .toList();
  }

  public static Map<Field, Mutability> mutabilities(List<FieldChange> changes) {
    Map<Field, Mutability> m = new EnumMap<>(Field.class);
    changes.forEach(c -> m.put(c.field(), c.mutability()));
    return m;
  }

  public static long mib(long n) {
    return n * 1024;
  }
}
