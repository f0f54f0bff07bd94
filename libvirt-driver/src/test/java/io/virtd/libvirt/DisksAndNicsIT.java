package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.mib;
import static io.virtd.core.testing.DriverContract.spec;
import static io.virtd.core.testing.DriverContract.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.PlanText;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.Commands;
import io.virtd.core.testing.DriverContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code disks} and {@code nics} on a real libvirtd and QEMU: a guest created with three disks of
 * three kinds and two NICs is defined exactly so (as {@code virsh} shows it), and the bootable test
 * guest sees a disk and a NIC plugged in and pulled out while it runs, its removed disk's volume
 * kept. Files live under {@code /var/lib/virtd-test/<prefix>}; guests, pools, files and the bridge
 * carrying the run's prefix are removed after every test.
 */
class DisksAndNicsIT {
  static final String URI = "qemu:///system";
  static final Duration BOOT = Duration.ofSeconds(120);
  static final String MAC = "52:54:00:d1:5c:01";

  private final String prefix =
      System.getProperty("virtd.it.prefix", "virtd-it-")
          + UUID.randomUUID().toString().substring(0, 6)
          + "-";
  private final Path root = Path.of("/var/lib/virtd-test", prefix);
  private final Path images = root.resolve("images");
  private final Path base = root.resolve("base");
  private final String bridge = System.getProperty("virtd.it.prefix", "virtd-it-") + "nb";
  @TempDir Path locks;
  private VmDriver driver;

  @BeforeAll
  static void reachable() {
    DomainCleaner.assumeReachable(URI);
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "no qemu-img");
  }

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(base);
    for (Path p = base; p != null && !p.equals(Path.of("/var/lib")); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    HostBridge.create(bridge);
    driver = new LibvirtDriverFactory().open(URI, StorageFlows.withStorageDir(images));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      driver.close();
    } finally {
      try {
        DomainCleaner.removeAllWithFiles(URI, prefix, images);
        StorageFlows.removePoolsUnder(URI, root);
        HostBridge.delete(bridge);
      } finally {
        if (Files.exists(root)) {
          try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
              Files.delete(p);
            }
          }
        }
      }
    }
  }

  @Test
  void threeDisksAndTwoNicsAreDefinedExactlyAsListed() throws Exception {
    Path image = base.resolve("base.qcow2");
    Path raw = base.resolve("data.raw");
    run("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "64M");
    run("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "32M");
    String name = prefix + "three";
    VmSpec spec =
        spec(
            name,
            VirtType.QEMU,
            Field.ENSURE,
            Ensure.STOPPED,
            Field.MEMORY,
            mib(64),
            Field.DISKS,
            List.of(
                new DiskSpec(
                    "vda",
                    "virtio",
                    image.toString(),
                    "cow",
                    null,
                    1L,
                    null,
                    null,
                    null,
                    null,
                    null,
                    false,
                    false,
                    null,
                    null),
                DiskSpec.blank("vdb", 2),
                new DiskSpec(
                    "vdc",
                    "virtio",
                    null,
                    null,
                    raw.toString(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    false,
                    false,
                    null,
                    null)),
            Field.NICS,
            List.of(
                new NicSpec(NicSpec.Type.BRIDGE, bridge, MAC, null, null),
                new NicSpec(NicSpec.Type.BRIDGE, bridge, null, "e1000", null)));
    StorageFlows.apply(driver, spec, locks);
    StorageFlows.assertConverged(driver, spec);

    Path vda = images.resolve(name + "-vda.qcow2");
    Path vdb = images.resolve(name + "-vdb.qcow2");
    assertEquals(
        List.of("vda " + vda, "vdb " + vdb, "vdc " + raw),
        rows(virsh("domblklist", name, "--inactive")));
    List<String> nics = rows(virsh("domiflist", name, "--inactive"));
    assertEquals(2, nics.size(), nics::toString);
    assertTrue(nics.get(0).matches("- bridge " + bridge + " virtio " + MAC), nics.get(0));
    assertTrue(
        nics.get(1).matches("- bridge " + bridge + " e1000 52:54:00(:[0-9a-f]{2}){3}"),
        nics.get(1));
    String xml = virsh("dumpxml", name, "--inactive");
    assertEquals(
        List.of("qcow2", "qcow2", "raw"),
        Dom.children(Dom.first(Dom.parse(xml).getDocumentElement(), "devices"), "disk").stream()
            .map(d -> Dom.first(d, "driver").getAttribute("type"))
            .toList());
    assertTrue(
        run("qemu-img", "info", vda.toString()).contains(image.toString()),
        "vda is an overlay of the image");
    assertEquals(
        2L * 1024 * 1024 * 1024,
        Long.parseLong(
            run("qemu-img", "info", "--output=json", vdb.toString())
                .replaceAll("(?s).*\"virtual-size\": *([0-9]+).*", "$1")));

    StorageFlows.apply(driver, with(spec, Field.ENSURE, Ensure.ABSENT), locks);
    assertFalse(Files.exists(vda), "volumes virtd made go with the guest");
    assertFalse(Files.exists(vdb));
    assertTrue(Files.exists(raw), "a `path` disk is never deleted");
  }

  @Test
  void theRunningGuestSeesDisksAndNicsPluggedInAndPulledOut() throws Exception {
    Path guest = BootableGuest.bootLocation();
    String name = prefix + "hot";
    Path console = DomainWriter.consoleLogPath(name);
    VmSpec spec =
        spec(
            name,
            VirtType.QEMU,
            Field.MEMORY,
            mib(256),
            Field.BOOT_LOCATION,
            guest.toString(),
            Field.BOOT_OPTIONS,
            "console=ttyS0",
            Field.SHUTDOWN_TIMEOUT,
            Duration.ofSeconds(5),
            Field.DISKS,
            List.of(DiskSpec.blank("vda", 1)),
            Field.NICS,
            List.of(new NicSpec(NicSpec.Type.BRIDGE, bridge, MAC, null, null)));
    StorageFlows.apply(driver, spec, locks);
    waitFor(console, "virtd-guest: waiting for the power button");
    assertTrue(read(console).contains(" vda "), read(console));
    assertEmpty(spec, "after create");

    // a disk added: attached live, seen by the guest, no restart
    VmSpec twoDisks =
        with(spec, Field.DISKS, List.of(DiskSpec.blank("vda", 1), DiskSpec.blank("vdb", 1)));
    String added = text(twoDisks);
    assertTrue(added.contains("  + disk vdb (1 GiB, live)\n"), added);
    long t0 = System.nanoTime();
    StorageFlows.apply(driver, twoDisks, locks);
    long attachMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(virsh("domblklist", name).contains("vdb"), "vdb in the running guest");
    waitFor(console, "virtd-guest: device vdb added");
    assertEquals(RunState.RUNNING, driver.observe(name).orElseThrow().state());
    assertEmpty(twoDisks, "after the disk was added");
    System.out.printf("hot-add of a disk, apply start to the device attached: %d ms%n", attachMs);

    // removed: detached live, its volume kept on disk
    Path vdb = images.resolve(name + "-vdb.qcow2");
    String removed = text(spec);
    assertTrue(
        removed.contains("  - disk vdb (detach, live; volume kept: " + vdb + ")\n"), removed);
    StorageFlows.apply(driver, spec, locks);
    waitFor(console, "virtd-guest: device vdb removed");
    assertFalse(virsh("domblklist", name).contains("vdb"), "vdb gone from the running guest");
    assertTrue(Files.exists(vdb), "the removed disk's volume is kept");
    assertEmpty(spec, "after the disk was removed");

    // a NIC added and removed the same way
    VmSpec twoNics =
        with(
            spec,
            Field.NICS,
            List.of(
                new NicSpec(NicSpec.Type.BRIDGE, bridge, MAC, null, null),
                new NicSpec(NicSpec.Type.BRIDGE, bridge, null, null, null)));
    assertTrue(text(twoNics).contains("  + nic (bridge " + bridge + ", live)\n"), text(twoNics));
    StorageFlows.apply(driver, twoNics, locks);
    waitFor(console, "virtd-guest: device eth1 added");
    assertEquals(2, rows(virsh("domiflist", name)).size());
    assertEmpty(twoNics, "after the NIC was added");
    StorageFlows.apply(driver, spec, locks);
    waitFor(console, "virtd-guest: device eth1 removed");
    assertEquals(1, rows(virsh("domiflist", name)).size());
    assertEmpty(spec, "a second plan");
    assertEquals(RunState.RUNNING, driver.observe(name).orElseThrow().state(), "never restarted");

    // a NIC's link pulled and plugged back live
    VmSpec down =
        with(
            spec, Field.NICS, List.of(new NicSpec(NicSpec.Type.BRIDGE, bridge, MAC, null, "down")));
    assertTrue(text(down).contains("~ nic " + MAC + ": link up -> down"), text(down));
    StorageFlows.apply(driver, down, locks);
    assertTrue(
        virsh("domif-getlink", name, MAC).contains("down"), virsh("domif-getlink", name, MAC));
    assertEmpty(down, "after the link went down");
    StorageFlows.apply(driver, spec, locks);
    assertTrue(virsh("domif-getlink", name, MAC).contains("up"), virsh("domif-getlink", name, MAC));
    assertEmpty(spec, "after the link came up");

    // a larger disk: grown live by QEMU's block resize
    VmSpec grown = with(spec, Field.DISKS, List.of(DiskSpec.blank("vda", 2)));
    assertTrue(text(grown).contains("~ disk vda: size 1 GiB -> 2 GiB"), text(grown));
    StorageFlows.apply(driver, grown, locks);
    assertTrue(
        virsh("domblkinfo", name, "vda").contains(Long.toString(2L << 30)),
        virsh("domblkinfo", name, "vda"));
    assertEmpty(grown, "after the disk grew");
    assertEquals(RunState.RUNNING, driver.observe(name).orElseThrow().state(), "never restarted");

    StorageFlows.apply(driver, with(grown, Field.ENSURE, Ensure.ABSENT), locks);
    assertFalse(Files.exists(vdb), "the kept volume goes with the guest");
  }

  private String text(VmSpec spec) throws Exception {
    ResourcePlan p = DriverContract.plan(driver, spec, driver.observe(spec.name()));
    return PlanText.render(PlanJson.of(new Plan(List.of(p))));
  }

  private void assertEmpty(VmSpec spec, String what) throws Exception {
    ResourcePlan p = DriverContract.plan(driver, spec, driver.observe(spec.name()));
    assertTrue(p.steps().isEmpty() && p.restartPending().isEmpty(), () -> what + ": " + p);
  }

  /** The rows of a virsh table, each its cells joined by one blank. */
  private static List<String> rows(String table) {
    return table
        .lines()
        .skip(2)
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .map(l -> String.join(" ", l.split("\\s+")))
        .toList();
  }

  private static String virsh(String... args) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("virsh", "-c", URI));
    argv.addAll(List.of(args));
    return run(argv.toArray(String[]::new));
  }

  private static String run(String... argv) throws Exception {
    Commands.Result r = Commands.run(new ProcessBuilder(argv), Duration.ofSeconds(60));
    assertEquals(0, r.exit(), () -> String.join(" ", argv) + ": " + r.err());
    return r.out();
  }

  private static void waitFor(Path log, String line) throws Exception {
    long deadline = System.nanoTime() + BOOT.toNanos();
    while (System.nanoTime() < deadline) {
      if (read(log).lines().anyMatch(l -> l.strip().equals(line) || l.startsWith(line + " ("))) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "`" + line + "` not in " + log + " within " + BOOT + ":\n" + read(log));
  }

  private static String read(Path log) throws java.io.IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
  }
}
