package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.changes;
import static io.virtd.core.testing.DriverContract.mark;
import static io.virtd.core.testing.DriverContract.mib;
import static io.virtd.core.testing.DriverContract.plan;
import static io.virtd.core.testing.DriverContract.spec;
import static io.virtd.core.testing.DriverContract.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.VmDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed through the driver on libvirt's test hypervisor: what is observed, planned, removed. */
class CloudInitSeedDriverTest {
  static final String URI = "test:///default";
  static final Map<String, Object> SECRET_DOC = Map.of("password", "hunter2-" + UUID.randomUUID());

  @TempDir Path storage;
  VmDriver driver;
  String prefix;

  @BeforeEach
  void open() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CloudInitSeed.GENISOIMAGE), "no genisoimage");
    driver =
        new LibvirtDriverFactory()
            .open(URI, CloudInitBootIT.withStorage(Config.defaults(), storage));
    prefix = "virtd-ci-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (driver != null) {
        driver.close();
      }
    } finally {
      DomainCleaner.removeAll(URI, prefix);
    }
  }

  /** The guest's persistent definition. */
  private static String inactiveXml(String name) throws Exception {
    org.libvirt.Connect conn = new org.libvirt.Connect(URI);
    try {
      org.libvirt.Domain d = conn.domainLookupByName(name);
      String xml = d.getXMLDesc(LibvirtDriver.XML_INACTIVE);
      d.free();
      return xml;
    } finally {
      conn.close();
    }
  }

  /** The seed image the guest's definition names. */
  private static Path seedOf(String name) throws Exception {
    String xml = inactiveXml(name);
    var m = java.util.regex.Pattern.compile("<source file='([^']*-cidata\\.iso)'/>").matcher(xml);
    assertTrue(m.find(), xml);
    return Path.of(m.group(1));
  }

  @Test
  void onTheTestHypervisorTheSeedGoesToAScratchDirectoryNeverTheRealStorageDir() throws Exception {
    VmSpec spec =
        spec(prefix + "s", VirtType.KVM, Field.MEMORY, mib(64), Field.USER_DATA, SECRET_DOC);
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    Path iso = seedOf(spec.name());
    assertTrue(Files.isRegularFile(iso));
    assertFalse(iso.startsWith(storage), "a real guest's seed in storage_dir is never touched");
    try (var s = Files.list(storage)) {
      assertEquals(0, s.count(), "nothing written to storage_dir");
    }
    driver.close();
    driver = null;
    assertFalse(Files.exists(iso), "the scratch directory goes with the driver");
  }

  @Test
  void aSeededGuestReadsBackAsBuiltAndAChangeWaitsForARestart() throws Exception {
    VmSpec spec =
        spec(
            prefix + "a",
            VirtType.QEMU,
            Field.MEMORY,
            mib(64),
            Field.USER_DATA,
            SECRET_DOC,
            Field.NETWORK_CONFIG,
            Map.of("version", 2));
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    Path iso = seedOf(spec.name());
    assertTrue(Files.isRegularFile(iso));

    driver.start(spec.name()); // a running guest: the change waits for its next boot
    ObservedVm vm = driver.observe(spec.name()).orElseThrow();
    assertEquals(List.of(), changes(plan(driver, spec, Optional.of(vm))), "no flapping");

    VmSpec changed = with(spec, Field.USER_DATA, Map.of("password", "other"));
    ResourcePlan p = plan(driver, changed, Optional.of(vm));
    List<FieldChange> c = changes(p);
    assertEquals(List.of(Field.USER_DATA), c.stream().map(FieldChange::field).toList());
    assertEquals(Mutability.RESTART, c.get(0).mutability());
    String json = PlanJson.of(new io.virtd.core.plan.Plan(List.of(p))).toString();
    assertFalse(json.contains("hunter2") || json.contains("other"), json);

    long before = Files.getLastModifiedTime(iso).toMillis();
    Thread.sleep(5);
    driver.update(changed, vm, c, mark(changed, OwnershipMark.Origin.CREATED));
    assertTrue(Files.getLastModifiedTime(iso).toMillis() >= before);
    ObservedVm after = driver.observe(spec.name()).orElseThrow();
    assertEquals(List.of(), changes(plan(driver, changed, Optional.of(after))));
    assertEquals(
        List.of(Field.NETWORK_CONFIG),
        changes(
                plan(
                    driver,
                    with(changed, Field.NETWORK_CONFIG, Map.of("version", 1)),
                    Optional.of(after)))
            .stream()
            .map(FieldChange::field)
            .toList(),
        "network_config's digest survived the user_data update");

    driver.stop(spec.name(), java.time.Duration.ofSeconds(5));
    driver.remove(spec.name());
    assertFalse(Files.exists(iso), "removed with the guest");
    driver.remove(spec.name()); // idempotent
  }

  @Test
  void seedFieldsAddedToAnUnseededGuestAttachTheImage() throws Exception {
    VmSpec spec = spec(prefix + "b", VirtType.KVM, Field.MEMORY, mib(64));
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    VmSpec seeded = with(spec, Field.META_DATA, Map.of("instance-id", "b-1"));
    ObservedVm vm = driver.observe(spec.name()).orElseThrow();
    List<FieldChange> c = changes(plan(driver, seeded, Optional.of(vm)));
    assertEquals(List.of(Field.META_DATA), c.stream().map(FieldChange::field).toList());
    driver.update(seeded, vm, c, mark(seeded, OwnershipMark.Origin.CREATED));
    ObservedVm after = driver.observe(spec.name()).orElseThrow();
    assertEquals(List.of(), changes(plan(driver, seeded, Optional.of(after))));
    Path iso = seedOf(spec.name());
    assertTrue(Files.isRegularFile(iso));
    org.libvirt.Connect conn = new org.libvirt.Connect(URI);
    try {
      org.libvirt.Domain d = conn.domainLookupByName(spec.name());
      String xml = d.getXMLDesc(LibvirtDriver.XML_INACTIVE);
      d.free();
      assertTrue(xml.contains("<source file='" + iso + "'/>"), xml);
      assertTrue(xml.contains("<readonly/>"), xml);
    } finally {
      conn.close();
    }
  }

  /** Plans {@code spec} against the guest as it is now, then applies the plan's field changes. */
  private ResourcePlan planAndUpdate(VmSpec spec) throws Exception {
    return planAndUpdate(driver, spec);
  }

  private static ResourcePlan planAndUpdate(VmDriver through, VmSpec spec) throws Exception {
    ObservedVm vm = through.observe(spec.name()).orElseThrow();
    ResourcePlan p = plan(through, spec, Optional.of(vm));
    through.update(spec, vm, changes(p), mark(spec, OwnershipMark.Origin.CREATED));
    return p;
  }

  private ResourcePlan replan(VmSpec spec) throws Exception {
    return plan(driver, spec, driver.observe(spec.name()));
  }

  @Test
  void aSeedAddedToARunningSeedlessGuestStaysPendingUntilItBootsWithIt() throws Exception {
    VmSpec spec = spec(prefix + "c", VirtType.QEMU, Field.MEMORY, mib(64));
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    driver.start(spec.name());
    VmSpec seeded = with(spec, Field.USER_DATA, Map.of("packages", List.of("curl")));
    assertEquals(List.of(Field.USER_DATA), planAndUpdate(seeded).restartPending());

    ResourcePlan after = replan(seeded);
    assertEquals(List.of(), changes(after), "the definition has the seed");
    assertEquals(
        List.of(Field.USER_DATA), after.restartPending(), "the running guest has no seed CD-ROM");

    driver.stop(spec.name(), java.time.Duration.ofSeconds(5));
    driver.start(spec.name());
    ResourcePlan booted = replan(seeded);
    assertEquals(List.of(), changes(booted));
    assertEquals(List.of(), booted.restartPending(), "booted with the seed");
  }

  @Test
  void metaDataAddedToARunningSeededGuestIsPendingToo() throws Exception {
    VmSpec spec =
        spec(prefix + "d", VirtType.QEMU, Field.MEMORY, mib(64), Field.USER_DATA, SECRET_DOC);
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    driver.start(spec.name());
    assertEquals(List.of(), replan(spec).restartPending(), "a fresh seeded guest: no flapping");

    VmSpec more = with(spec, Field.META_DATA, Map.of("instance-id", "d-2"));
    planAndUpdate(more);
    ResourcePlan after = replan(more);
    assertEquals(List.of(), changes(after));
    assertEquals(List.of(Field.META_DATA), after.restartPending());

    driver.stop(spec.name(), java.time.Duration.ofSeconds(5));
    driver.start(spec.name());
    assertEquals(List.of(), replan(more).restartPending(), "booted with the new seed");
  }

  /**
   * A driver whose seed directory is another (the configuration's storage_dir changed, or here:
   * another driver's scratch directory on the same test hypervisor).
   */
  private VmDriver another() throws Exception {
    return new LibvirtDriverFactory()
        .open(URI, CloudInitBootIT.withStorage(Config.defaults(), storage.resolve("other")));
  }

  private static long seedDisks(String name) throws Exception {
    return java.util.regex.Pattern.compile("-cidata\\.iso'")
        .matcher(inactiveXml(name))
        .results()
        .count();
  }

  /** A guest with a seed, created through the test's own driver. */
  private VmSpec createSeeded(String name) throws Exception {
    VmSpec spec = spec(name, VirtType.KVM, Field.MEMORY, mib(64), Field.USER_DATA, SECRET_DOC);
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    return spec;
  }

  @Test
  void aSeedWrittenUnderAnotherSeedDirectoryGoesWithItsGuest() throws Exception {
    VmSpec spec = createSeeded(prefix + "e");
    Path iso = seedOf(spec.name());
    VmDriver later = another();
    try {
      later.remove(spec.name());
    } finally {
      later.close();
    }
    assertFalse(Files.exists(iso), "the seed the mark lists is removed, wherever it is");
  }

  @Test
  void aSeedRewrittenUnderAnotherSeedDirectoryReplacesTheOldOne() throws Exception {
    VmSpec spec = createSeeded(prefix + "f");
    Path first = seedOf(spec.name());
    VmDriver later = another();
    try {
      planAndUpdate(later, with(spec, Field.USER_DATA, Map.of("password", "other")));
      Path second = seedOf(spec.name());
      assertFalse(second.equals(first), "written in the new directory");
      assertEquals(1, seedDisks(spec.name()), "one seed CD-ROM, not two");
      assertFalse(Files.exists(first), "the old seed is not left behind");
      assertTrue(Files.isRegularFile(second));
      later.remove(spec.name());
      assertFalse(Files.exists(second));
    } finally {
      later.close();
    }
  }

  @Test
  void aMarkNamingAFileVirtdDoesNotNameSeedsDeletesNothing(@TempDir Path elsewhere)
      throws Exception {
    Path precious = Files.writeString(elsewhere.resolve("precious.iso"), "x");
    CloudInitSeed.delete(precious, "g");
    Path link = elsewhere.resolve("g-cidata.iso");
    Files.createSymbolicLink(link, precious);
    CloudInitSeed.delete(link, "g");
    assertTrue(Files.exists(precious), "only a file by a seed's name, never through a link");
    assertTrue(Files.isSymbolicLink(link));
  }

  /**
   * A create that fails because the guest exists already (another run made it first) leaves that
   * guest's seed image in place: a create's cleanup removes only what it wrote itself.
   */
  @Test
  void aCreateThatFindsTheGuestMadeAlreadyLeavesItsSeed() throws Exception {
    VmSpec spec =
        spec(prefix + "h", VirtType.KVM, Field.MEMORY, mib(64), Field.USER_DATA, SECRET_DOC);
    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED));
    Path iso = seedOf(spec.name());

    assertThrows(
        io.virtd.core.spi.DriverException.class,
        () -> driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED)));
    assertTrue(Files.isRegularFile(iso), "the existing guest's seed is still there");
    driver.start(spec.name()); // and the guest still boots with it
  }

  /** A create whose define fails removes the seed image it wrote: nothing is left for a retry. */
  @Test
  void aCreateWhoseDefineFailsRemovesTheSeedItWrote() throws Exception {
    VmSpec other =
        spec(prefix + "i", VirtType.KVM, Field.MEMORY, mib(64), Field.USER_DATA, SECRET_DOC);
    driver.create(other, mark(other, OwnershipMark.Origin.CREATED));
    Path seeds = seedOf(other.name()).getParent();

    String name = prefix + "j"; // defined out of band, unseeded, under another UUID
    org.libvirt.Connect conn = new org.libvirt.Connect(URI);
    try {
      conn.domainDefineXML(
              "<domain type='test'><name>"
                  + name
                  + "</name><memory>65536</memory><os><type>hvm</type></os></domain>")
          .free();
    } finally {
      conn.close();
    }
    VmSpec spec = spec(name, VirtType.KVM, Field.MEMORY, mib(64), Field.USER_DATA, SECRET_DOC);
    assertThrows(
        io.virtd.core.spi.DriverException.class,
        () -> driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED)));
    assertFalse(Files.exists(CloudInitSeed.isoPath(seeds, name)), "the seed it wrote is gone");
  }
}
