package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.DriverContract;
import java.util.Map;

/** The driver contract on a libvirt URI: what every libvirt target has in common. */
abstract class LibvirtContract extends DriverContract {
  /** The libvirt URI under test. */
  protected abstract String uri();

  /**
   * Guests started from several threads at once all run, each start holding a connection of its own
   * where libvirtd serves the URI (it runs at most 5 calls of one connection at once), the one
   * connection on {@code test:} URIs (whose file-backed form gives each connection its own guests).
   */
  @org.junit.jupiter.api.Test
  void guestsStartedInParallelAllRunEachOnItsOwnConnectionWhereADaemonServesThem()
      throws Exception {
    int n = 6;
    java.util.List<VmSpec> specs = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      VmSpec s = small("par" + i);
      driver.create(s, mark(s, io.virtd.core.spi.OwnershipMark.Origin.CREATED));
      specs.add(s);
    }
    java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(n);
    java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      java.util.List<java.util.concurrent.Future<?>> started = new java.util.ArrayList<>();
      for (VmSpec s : specs) {
        started.add(
            ex.submit(
                () -> {
                  together.await(30, java.util.concurrent.TimeUnit.SECONDS);
                  driver.start(s.name());
                  return null;
                }));
      }
      for (var f : started) {
        f.get(120, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      ex.shutdownNow();
    }
    for (VmSpec s : specs) {
      assertEquals(
          io.virtd.core.spi.RunState.RUNNING,
          driver.observe(s.name()).orElseThrow().state(),
          s.name());
    }
    int open = ((LibvirtDriver) driver).openConnections();
    if (uri().startsWith("test:")) {
      assertEquals(1, open);
    } else {
      assertTrue(
          open > 2 && open <= n + 1, "events + one per start in progress at once, was " + open);
    }
  }

  /**
   * A guest made from the single-disk keys is the guest a one-item {@code disks} describes: a
   * manifest rewritten from one form to the other plans nothing.
   */
  @org.junit.jupiter.api.Test
  void aSingleDiskGuestIsTheOneItemDisksGuest() throws Exception {
    VmSpec single =
        small("one", Field.ENSURE, io.virtd.core.manifest.Ensure.STOPPED, Field.DISK_SIZE, 1);
    try {
      created(single);
      VmSpec listed =
          with(
              spec(single.name(), virtType(), Field.ENSURE, io.virtd.core.manifest.Ensure.STOPPED),
              Field.MEMORY,
              mib(64),
              Field.CPUS,
              1,
              Field.DISKS,
              java.util.List.of(io.virtd.core.manifest.DiskSpec.blank("vda", 1)));
      var p = plan(driver, listed, driver.observe(single.name()));
      assertTrue(!p.hasChanges(), p::toString);
    } finally {
      driver.remove(single.name());
    }
  }

  /**
   * Create-time keys a manifest adds or changes after creation are reported as needing the guest
   * re-created, never dropped: the machine type against what libvirt made of it (an alias expanded
   * on qemu), the boot order for {@code pxe}, the video device, the mark for creation inputs.
   */
  @org.junit.jupiter.api.Test
  void createTimeKeysAddedOrChangedLaterNeedRecreating() throws Exception {
    VmSpec spec = small("ct", Field.ENSURE, io.virtd.core.manifest.Ensure.STOPPED, Field.PXE, true);
    created(spec);
    java.util.function.Function<VmSpec, java.util.List<io.virtd.core.plan.FieldChange>> recreate =
        s -> {
          try {
            var p = plan(driver, s, driver.observe(s.name()));
            assertTrue(p.steps().isEmpty(), () -> "nothing applied silently: " + p);
            return p.recreateRequired();
          } catch (io.virtd.core.spi.DriverException e) {
            throw new IllegalStateException(e);
          }
        };
    assertEquals(java.util.List.of(), recreate.apply(spec), "unchanged");

    var pxeOff = recreate.apply(with(spec, Field.PXE, false));
    assertEquals(
        java.util.List.of(
            new io.virtd.core.plan.FieldChange(
                Field.PXE, true, false, io.virtd.core.spi.Mutability.REPLACE)),
        pxeOff);

    for (Object[] added :
        new Object[][] {
          {Field.MACHINE_TYPE, "q35"},
          {Field.VIDEO_MODEL, "virtio"},
          {Field.OS_VARIANT, "debian12"},
          {Field.BOOT_LOCATION, "/srv/boot/debian"},
          {Field.XML_FILE, "/etc/virtd/manifests/t.xml"},
          {Field.IMAGE, "/srv/images/base.qcow2"},
          {Field.CLONE_FROM, "base01"},
          {Field.VIRT_PATH, "/srv/disks/t.img"}
        }) {
      var changes = recreate.apply(with(spec, added));
      assertEquals(1, changes.size(), () -> added[0] + ": " + changes);
      assertEquals(added[0], changes.get(0).field());
      assertEquals(added[1], changes.get(0).after());
      assertEquals(io.virtd.core.spi.Mutability.REPLACE, changes.get(0).mutability());
    }
  }

  /** A machine type libvirt expands still matches what the manifest said, so nothing differs. */
  @org.junit.jupiter.api.Test
  void aMachineTypeAliasMatchesTheGuestLibvirtDefinedFromIt() throws Exception {
    VmSpec spec =
        small(
            "q35", Field.ENSURE, io.virtd.core.manifest.Ensure.STOPPED, Field.MACHINE_TYPE, "q35");
    created(spec);
    var p = plan(driver, spec, driver.observe(spec.name()));
    assertTrue(!p.hasChanges(), () -> "re-plan after create: " + p);
    var pc = plan(driver, with(spec, Field.MACHINE_TYPE, "pc"), driver.observe(spec.name()));
    assertEquals(1, pc.recreateRequired().size(), pc::toString);
    assertEquals(Field.MACHINE_TYPE, pc.recreateRequired().get(0).field());
  }

  @Override
  protected VmDriver openDriver() throws Exception {
    return new LibvirtDriverFactory().open(uri(), Config.defaults());
  }

  @Override
  protected void removeLeftovers(String prefix) throws Exception {
    DomainCleaner.removeAll(uri(), prefix);
  }

  @Override
  protected Object[] declaredAtCreation() {
    return new Object[] {
      Field.ON_CRASH,
      LifecycleAction.RESTART,
      Field.ON_REBOOT,
      LifecycleAction.DESTROY,
      Field.GRAPHICS,
      "enable",
      Field.CLOCKSYNC,
      "localtime",
      Field.OS_VARIANT,
      "debian12",
      Field.GUEST_AGENT,
      true
    };
  }

  @Override
  protected Map<Field, Object> creationDefaults() {
    return Map.of(
        Field.ARCH, "x86_64", Field.OS_TYPE, "hvm", Field.ON_POWEROFF, LifecycleAction.DESTROY);
  }

  @Override
  protected Map<Field, Object> liveDefaults() {
    return Map.of(Field.GRAPHICS, "disable");
  }

  @Override
  protected RestartOnly restartOnlyChange() {
    return new RestartOnly(Field.ON_CRASH, LifecycleAction.DESTROY, LifecycleAction.RESTART);
  }

  @Override
  protected Object[] offlineChange() {
    return new Object[] {Field.ON_POWEROFF, LifecycleAction.RESTART, Field.GUEST_AGENT, true};
  }

  /** A new maximum is written into the definition; QEMU fixes it when the guest starts. */
  @Override
  protected Map<Field, Mutability> createTimeButChangeable() {
    return Map.of(Field.MAX_MEMORY, Mutability.RESTART, Field.MAX_CPUS, Mutability.RESTART);
  }

  /** A base image that does not exist. */
  @Override
  protected VmSpec unpreparedSpec(VmSpec base) {
    return with(base, Field.IMAGE, "/nonexistent/virtd-contract/" + base.name() + ".qcow2");
  }

  @Override
  protected void defineUnmarked(VmSpec spec) throws Exception {
    String xml =
        "<domain type='"
            + DomainWriter.domainType(virtType())
            + "'><name>"
            + spec.name()
            + "</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type"
            + " arch='x86_64'>hvm</type></os><devices><interface type='user'><mac"
            + " address='52:54:00:12:34:56'/></interface></devices></domain>";
    org.libvirt.Connect c = new org.libvirt.Connect(uri());
    try {
      c.domainDefineXML(xml).free();
    } finally {
      c.close();
    }
  }

  @Override
  protected void assertAdoptionKeptTheRest(VmSpec spec, ObservedVm before, ObservedVm after)
      throws Exception {
    assertEquals(
        before.persistent().get(Field.INTERFACES), after.persistent().get(Field.INTERFACES));
    assertTrue(rawXml(spec.name()).contains("52:54:00:12:34:56"), "the MAC address survives");
  }

  private String rawXml(String name) throws Exception {
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
