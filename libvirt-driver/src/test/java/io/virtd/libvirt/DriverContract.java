package io.virtd.libvirt;

import static io.virtd.libvirt.Specs.changes;
import static io.virtd.libvirt.Specs.mark;
import static io.virtd.libvirt.Specs.mib;
import static io.virtd.libvirt.Specs.plan;
import static io.virtd.libvirt.Specs.spec;
import static io.virtd.libvirt.Specs.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.VmDriver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every libvirt target must do, written once and run against each (libvirt's test driver, a
 * real QEMU). Guests are small (64 MiB, one vcpu, no disk), carry a unique name prefix and are
 * removed after every test, whatever happened.
 */
abstract class DriverContract {
  /** The libvirt URI under test. */
  protected abstract String uri();

  /** The {@code virt_type} guests get on this target. */
  protected abstract VirtType virtType();

  /**
   * Whether a guest ignores the ACPI power button, so a stop must time out and force it off (a
   * diskless QEMU guest sits in its BIOS; the test driver shuts off at once).
   */
  protected abstract boolean ignoresAcpi();

  /**
   * Whether the guest follows a live memory change (the test driver does; a BIOS has no balloon).
   */
  protected abstract boolean followsBalloon();

  /** Whether the guest takes a live vcpu unplug (needs guest ACPI on QEMU). */
  protected abstract boolean followsVcpuUnplug();

  protected VmDriver driver;
  protected String prefix;

  @BeforeEach
  void open() throws Exception {
    driver = new LibvirtDriverFactory().open(uri(), Config.defaults());
    prefix = "virtd-it-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (driver != null) {
        driver.close();
      }
    } finally {
      DomainCleaner.removeAll(uri(), prefix);
    }
  }

  protected VmSpec small(String suffix, Object... pairs) {
    VmSpec base = spec(prefix + suffix, virtType(), Field.MEMORY, mib(64), Field.CPUS, 1);
    return with(base, pairs);
  }

  protected ObservedVm created(VmSpec spec) throws DriverException {
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    return driver.observe(spec.name()).orElseThrow();
  }

  @Test
  void createdGuestIsObservedAsDeclared() throws Exception {
    VmSpec spec =
        small(
            "create",
            Field.ENSURE,
            Ensure.STOPPED,
            Field.ON_CRASH,
            LifecycleAction.RESTART,
            Field.ON_REBOOT,
            LifecycleAction.DESTROY,
            Field.DESC,
            "a <test> guest & \"friends\"",
            Field.GRAPHICS,
            "enable",
            Field.CLOCKSYNC,
            "localtime",
            Field.OS_VARIANT,
            "debian12");
    ObservedVm vm = created(spec);

    assertEquals(spec.name(), vm.name());
    assertEquals(RunState.SHUTOFF, vm.state());
    assertTrue(vm.live().isEmpty());
    for (Map.Entry<Field, Object> e : spec.managed().entrySet()) {
      assertEquals(e.getValue(), vm.persistent().get(e.getKey()), e.getKey().key());
    }
    assertEquals(mib(64), vm.persistent().get(Field.MEMORY));
    assertEquals(1, vm.persistent().get(Field.CPUS));
    assertEquals("x86_64", vm.persistent().get(Field.ARCH));
    assertEquals("hvm", vm.persistent().get(Field.OS_TYPE));
    assertEquals(LifecycleAction.DESTROY, vm.persistent().get(Field.ON_POWEROFF));
    assertEquals(false, vm.persistent().get(Field.AUTOBOOT));
    assertEquals(mark(spec, OwnershipMark.Origin.CREATED), vm.mark().orElseThrow());
    assertEquals(mib(64), vm.maxMemoryKiB());
    assertEquals(1, vm.maxVcpus());

    ResourcePlan again = plan(driver, spec, driver.observe(spec.name()));
    assertFalse(again.hasChanges(), () -> "re-plan after create: " + again);
    assertTrue(driver.observeAll().containsKey(spec.name()));
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
    assertEquals("disable", vm.live().get(Field.GRAPHICS));
    assertEquals(mib(64), vm.maxMemoryKiB());
    assertFalse(plan(driver, spec, Optional.of(vm)).hasChanges());

    driver.start(spec.name()); // already running: nothing to do
    driver.resume(spec.name());
    assertEquals(RunState.RUNNING, driver.observe(spec.name()).orElseThrow().state());
  }

  @Test
  void updateWritesTheDefinitionAndChangesTheRunningGuest() throws Exception {
    VmSpec before = small("update", Field.CPUS, 2, Field.AUTOBOOT, false);
    created(before);
    driver.start(before.name());

    VmSpec after =
        with(
            before,
            Field.MEMORY,
            mib(48),
            Field.CPUS,
            1,
            Field.ON_CRASH,
            LifecycleAction.RESTART,
            Field.AUTOBOOT,
            true,
            Field.DESC,
            "now described");
    ObservedVm current = driver.observe(after.name()).orElseThrow();
    ResourcePlan p = plan(driver, after, Optional.of(current));
    Map<Field, Mutability> how = mutabilities(changes(p));
    assertEquals(
        Map.of(
            Field.MEMORY, Mutability.LIVE,
            Field.CPUS, Mutability.LIVE,
            Field.ON_CRASH, Mutability.RESTART,
            Field.AUTOBOOT, Mutability.LIVE,
            Field.DESC, Mutability.CONFIG),
        how);

    Set<Field> notHonoured =
        driver.update(after, current, changes(p), mark(after, OwnershipMark.Origin.CREATED));

    ObservedVm vm = driver.observe(after.name()).orElseThrow();
    assertEquals(RunState.RUNNING, vm.state());
    for (Map.Entry<Field, Object> e : after.managed().entrySet()) {
      assertEquals(e.getValue(), vm.persistent().get(e.getKey()), "persistent " + e.getKey().key());
    }
    assertEquals(mark(after, OwnershipMark.Origin.CREATED), vm.mark().orElseThrow());
    assertEquals("now described", vm.live().get(Field.DESC));
    assertEquals(
        LifecycleAction.DESTROY, vm.live().get(Field.ON_CRASH), "on_crash waits for a restart");
    assertEquals(followsBalloon() ? mib(48) : mib(64), vm.live().get(Field.MEMORY));
    assertEquals(followsBalloon(), !notHonoured.contains(Field.MEMORY), "memory in " + notHonoured);
    assertEquals(followsVcpuUnplug() ? 1 : 2, vm.live().get(Field.CPUS));
    assertEquals(followsVcpuUnplug(), !notHonoured.contains(Field.CPUS), "cpus in " + notHonoured);
    assertFalse(notHonoured.contains(Field.DESC));

    ResourcePlan settled = plan(driver, after, Optional.of(vm));
    assertFalse(settled.has(Step.Update.class), () -> "re-plan after update: " + settled);
    assertTrue(
        settled.restartPending().contains(Field.ON_CRASH), settled.restartPending()::toString);
    assertEquals(!followsBalloon(), settled.restartPending().contains(Field.MEMORY));
  }

  @Test
  void growingBeyondTheMaximumWaitsForARestart() throws Exception {
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
    VmSpec after =
        with(
            before,
            Field.MEMORY,
            mib(32),
            Field.ON_POWEROFF,
            LifecycleAction.RESTART,
            Field.DESC,
            "x");
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
  void callsOnAMissingGuestAreNoOpsOrNotFound() throws Exception {
    String missing = prefix + "missing";
    assertEquals(Optional.empty(), driver.observe(missing));
    assertFalse(driver.stop(missing, Duration.ofSeconds(1)));
    driver.destroy(missing);
    driver.remove(missing);
    DriverException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            DriverException.class, () -> driver.start(missing));
    assertEquals(DriverException.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains(missing), e.getMessage());
  }

  @Test
  void adoptionMarksAnUnmarkedGuestWithoutChangingIt() throws Exception {
    VmSpec spec = small("adopt");
    String xml =
        "<domain type='"
            + DomainWriter.domainType(virtType())
            + "'><name>"
            + spec.name()
            + "</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type"
            + " arch='x86_64'>hvm</type></os><devices><interface type='user'><mac"
            + " address='52:54:00:12:34:56'/></interface></devices></domain>";
    defineRaw(xml);
    ObservedVm before = driver.observe(spec.name()).orElseThrow();
    assertTrue(before.mark().isEmpty());
    ResourcePlan p = plan(driver, spec, Optional.of(before));
    assertTrue(p.has(Step.Adopt.class));

    OwnershipMark adopted = mark(spec, OwnershipMark.Origin.ADOPTED);
    driver.update(spec, before, changes(p), adopted);
    ObservedVm after = driver.observe(spec.name()).orElseThrow();
    assertEquals(adopted, after.mark().orElseThrow());
    assertEquals(
        before.persistent().get(Field.INTERFACES), after.persistent().get(Field.INTERFACES));
    assertTrue(rawXml(spec.name()).contains("52:54:00:12:34:56"), "the MAC address survives");
  }

  private static Map<Field, Mutability> mutabilities(List<FieldChange> changes) {
    Map<Field, Mutability> m = new java.util.EnumMap<>(Field.class);
    changes.forEach(c -> m.put(c.field(), c.mutability()));
    return m;
  }

  protected void defineRaw(String xml) throws Exception {
    org.libvirt.Connect c = new org.libvirt.Connect(uri());
    try {
      c.domainDefineXML(xml).free();
    } finally {
      c.close();
    }
  }

  protected String rawXml(String name) throws Exception {
    org.libvirt.Connect c = new org.libvirt.Connect(uri());
    try {
      org.libvirt.Domain d = c.domainLookupByName(name);
      try {
        return d.getXMLDesc(LibvirtDriver.XML_INACTIVE);
      } finally {
        d.free();
      }
    } finally {
      c.close();
    }
  }
}
