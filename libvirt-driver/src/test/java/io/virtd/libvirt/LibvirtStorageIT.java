package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.mib;
import static io.virtd.core.testing.DriverContract.spec;
import static io.virtd.core.testing.DriverContract.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.Commands;
import io.virtd.core.testing.DriverContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;

/**
 * Storage on a real libvirtd and QEMU: images as overlays and full copies, {@code virt_path} files
 * and directories, {@code disk_size} growth, {@code clone_from}, removal, and an empty second plan
 * for each. Files live under {@code /var/lib/virtd-test/<unique>} (QEMU's user must traverse it);
 * guests, pools and files whose names carry the run's prefix are removed after every test.
 */
class LibvirtStorageIT {
  static final String URI = "qemu:///system";
  private static VirtType type;

  private final String prefix = "virtd-it-st-" + UUID.randomUUID().toString().substring(0, 8);
  private final Path root = Path.of("/var/lib/virtd-test", prefix);
  private final Path images = root.resolve("images");
  private final Path base = root.resolve("base");
  @TempDir Path locks;
  private VmDriver driver;

  @BeforeAll
  static void reachable() throws Exception {
    try (var d = new LibvirtDriverFactory().open(URI, Config.defaults())) {
      d.observeAll();
    } catch (DriverException e) {
      Assumptions.abort(URI + " is not reachable: " + e.getMessage());
    }
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "no qemu-img");
    String forced = System.getProperty("virtd.it.virtType");
    type =
        forced != null
            ? VirtType.valueOf(forced.toUpperCase(java.util.Locale.ROOT))
            : LibvirtQemuContractIT.kvmUsable() ? VirtType.KVM : VirtType.QEMU;
  }

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(base);
    for (Path p = base; p != null && !p.equals(Path.of("/var/lib")); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    driver = new LibvirtDriverFactory().open(URI, StorageFlows.withStorageDir(images));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      driver.close();
    } finally {
      try {
        DomainCleaner.removeAll(URI, prefix);
        StorageFlows.removePoolsUnder(URI, root);
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

  private VmSpec guest(String suffix, Object... pairs) {
    // a BIOS-only guest ignores ACPI: a short grace keeps `absent` from waiting the default 60 s
    VmSpec s =
        spec(
            prefix + "-" + suffix,
            type,
            Field.MEMORY,
            mib(64),
            Field.CPUS,
            1,
            Field.SHUTDOWN_TIMEOUT,
            java.time.Duration.ofSeconds(2));
    return with(s, pairs);
  }

  @Test
  void imageCowIsAnOverlayThatLeavesTheBaseUntouchedAndGrowsWhileRunning() throws Exception {
    Path img = base.resolve("base.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "64M");
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 0 1M", img.toString());
    String before = sha256(img);

    VmSpec s =
        guest("cow", Field.IMAGE, img.toString(), Field.IMAGE_MODE, "cow", Field.DISK_SIZE, 1L);
    StorageFlows.apply(driver, s, locks);
    assertEquals(RunState.RUNNING, driver.observe(s.name()).get().state());
    Path disk = images.resolve(s.name() + ".qcow2");
    String info = run("qemu-img", "info", "-U", "--output=json", disk.toString());
    assertEquals(img.toString(), json(info, "backing-filename"), info);
    assertEquals("qcow2", json(info, "format"), info);
    assertEquals(Long.toString(Storage.GIB), jsonNumber(info, "virtual-size"), info);
    StorageFlows.assertConverged(driver, s);

    VmSpec bigger = with(s, Field.DISK_SIZE, 2L);
    assertEquals(
        List.of(new FieldChange(Field.DISK_SIZE, 1L, 2L, Mutability.LIVE)),
        DriverContract.changes(DriverContract.plan(driver, bigger, driver.observe(s.name()))));
    StorageFlows.apply(driver, bigger, locks);
    assertEquals(2L, driver.observe(s.name()).get().persistent().get(Field.DISK_SIZE));
    assertEquals(
        Long.toString(2 * Storage.GIB),
        jsonNumber(
            run("qemu-img", "info", "-U", "--output=json", disk.toString()), "virtual-size"));
    StorageFlows.assertConverged(driver, bigger);

    // a BIOS-only guest writes nothing: write into the overlay ourselves, then compare the base
    driver.destroy(s.name());
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x77 0 2M", disk.toString());
    assertEquals(before, sha256(img), "the base image is unchanged");
    assertTrue(
        run("qemu-io", "-f", "qcow2", "-r", "-c", "read -P 0x77 0 2M", disk.toString())
            .contains("read 2097152/2097152"));

    VmSpec smaller = with(s, Field.DISK_SIZE, 1L);
    ResourcePlan shrink = DriverContract.plan(driver, smaller, driver.observe(s.name()));
    assertEquals(
        List.of(new FieldChange(Field.DISK_SIZE, 2L, 1L, Mutability.REPLACE)),
        shrink.recreateRequired());

    StorageFlows.apply(driver, with(bigger, Field.ENSURE, Ensure.ABSENT), locks);
    assertFalse(Files.exists(disk), "the overlay virtd made is removed with the guest");
    assertEquals(before, sha256(img), "the base image stays");
  }

  @Test
  void imageCloneIsAFullCopyInTheImagesFormat() throws Exception {
    Path img = base.resolve("base.raw");
    run("qemu-img", "create", "-q", "-f", "raw", img.toString(), "64M");
    run("qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 1M", img.toString());
    String before = sha256(img);

    VmSpec s =
        guest("clone", Field.IMAGE, img.toString(), Field.IMAGE_MODE, "clone", Field.DISK_SIZE, 1L);
    StorageFlows.apply(driver, s, locks);
    Path disk = images.resolve(s.name() + ".raw");
    String info = run("qemu-img", "info", "-U", "--output=json", disk.toString());
    assertEquals(null, json(info, "backing-filename"), info);
    assertEquals("raw", json(info, "format"), info);
    assertEquals(Long.toString(Storage.GIB), jsonNumber(info, "virtual-size"), info);
    assertTrue(
        run("qemu-io", "-f", "raw", "-r", "-U", "-c", "read -P 0x5a 0 1M", disk.toString())
            .contains("read 1048576/1048576"),
        "the copy holds the image's data");
    StorageFlows.assertConverged(driver, s);
    assertEquals(RunState.RUNNING, driver.observe(s.name()).get().state());

    StorageFlows.apply(driver, with(s, Field.ENSURE, Ensure.ABSENT), locks);
    assertFalse(Files.exists(disk));
    assertEquals(before, sha256(img));
  }

  @Test
  void virtPathFileIsUsedAsItIsAndNeverDeleted() throws Exception {
    Path file = base.resolve("mine.img");
    run("qemu-img", "create", "-q", "-f", "raw", file.toString(), "16M");
    VmSpec s = guest("file", Field.VIRT_PATH, file.toString());
    StorageFlows.apply(driver, s, locks);
    assertEquals(RunState.RUNNING, driver.observe(s.name()).get().state());
    StorageFlows.assertConverged(driver, s);
    StorageFlows.apply(driver, with(s, Field.ENSURE, Ensure.ABSENT), locks);
    assertTrue(driver.observe(s.name()).isEmpty());
    assertTrue(Files.exists(file), "a virt_path file is never deleted");
  }

  @Test
  void virtPathDirectoryGetsABlankDiskThatGoesWithTheGuest() throws Exception {
    Path dir = Files.createDirectories(root.resolve("vms"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    VmSpec s = guest("dir", Field.VIRT_PATH, dir.toString(), Field.DISK_SIZE, 1L);
    StorageFlows.apply(driver, s, locks);
    Path disk = dir.resolve(s.name() + ".qcow2");
    String info = run("qemu-img", "info", "-U", "--output=json", disk.toString());
    assertEquals("qcow2", json(info, "format"));
    assertEquals(Long.toString(Storage.GIB), jsonNumber(info, "virtual-size"));
    StorageFlows.assertConverged(driver, s);
    StorageFlows.apply(driver, with(s, Field.ENSURE, Ensure.ABSENT), locks);
    assertFalse(Files.exists(disk));
    assertTrue(Files.isDirectory(dir));
  }

  @Test
  void diskSizeAloneIsABlankQcow2InStorageDir() throws Exception {
    VmSpec s = guest("blank", Field.DISK_SIZE, 1L, Field.ENSURE, Ensure.STOPPED);
    StorageFlows.apply(driver, s, locks);
    Path disk = images.resolve(s.name() + ".qcow2");
    assertEquals(
        Long.toString(Storage.GIB),
        jsonNumber(
            run("qemu-img", "info", "-U", "--output=json", disk.toString()), "virtual-size"));
    StorageFlows.assertConverged(driver, s);
    VmSpec bigger = with(s, Field.DISK_SIZE, 3L);
    StorageFlows.apply(driver, bigger, locks); // stopped: the volume is resized
    assertEquals(
        Long.toString(3 * Storage.GIB),
        jsonNumber(
            run("qemu-img", "info", "-U", "--output=json", disk.toString()), "virtual-size"));
    StorageFlows.assertConverged(driver, bigger);
    StorageFlows.apply(driver, with(s, Field.ENSURE, Ensure.ABSENT), locks);
    assertFalse(Files.exists(disk));
  }

  @Test
  void aDiskFileAlreadyThereIsNeverOverwrittenAndTheErrorSaysWhatToDo() throws Exception {
    VmSpec s = guest("left", Field.DISK_SIZE, 1L, Field.ENSURE, Ensure.STOPPED);
    Files.createDirectories(images);
    Path disk = images.resolve(s.name() + ".qcow2"); // as a create cut off (kill -9) leaves it
    run("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "16M");
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x42 0 1M", disk.toString());
    String before = sha256(disk);
    OwnershipMark mark = OwnershipMark.forSpec(s, "it", OwnershipMark.Origin.CREATED);

    DriverException e = assertThrows(DriverException.class, () -> driver.create(s, mark));
    assertTrue(e.getMessage().contains(disk + " exists already"), e.getMessage());
    assertTrue(e.getMessage().contains("no guest uses it"), e.getMessage());
    assertTrue(driver.observe(s.name()).isEmpty(), "no guest was defined");
    assertEquals(before, sha256(disk), "the file is untouched");

    // a file that another guest uses: the error names that guest
    String user = prefix + "-user";
    Path xml = root.resolve("user.xml");
    Files.writeString(
        xml,
        ("<domain type='%s'><name>%s</name><memory unit='MiB'>64</memory><os><type>hvm</type>"
                + "</os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                + "<source file='%s'/><target dev='vda' bus='virtio'/></disk></devices></domain>")
            .formatted(type.name().toLowerCase(java.util.Locale.ROOT), user, disk));
    run("virsh", "-q", "-c", URI, "define", xml.toString());
    e = assertThrows(DriverException.class, () -> driver.create(s, mark));
    assertTrue(e.getMessage().contains("it is the disk of `" + user + "`"), e.getMessage());
    assertEquals(before, sha256(disk));
  }

  @Test
  void absentIsRefusedWhileAnotherGuestIsBuiltOnItsDiskAndRemovesNothing() throws Exception {
    VmSpec b = guest("base", Field.DISK_SIZE, 1L, Field.ENSURE, Ensure.STOPPED);
    StorageFlows.apply(driver, b, locks);
    Path bDisk = images.resolve(b.name() + ".qcow2");
    // a cow clone of b (its overlay's backing file is b's disk) and a guest whose image it is
    VmSpec k = guest("k", Field.CLONE_FROM, b.name(), Field.ENSURE, Ensure.STOPPED);
    VmSpec i = guest("i", Field.IMAGE, bDisk.toString(), Field.ENSURE, Ensure.STOPPED);
    StorageFlows.apply(driver, k, locks);
    StorageFlows.apply(driver, i, locks);

    // through the executor, as apply and the daemon run it: refused before the stop
    driver.start(b.name());
    VmSpec gone = with(b, Field.ENSURE, Ensure.ABSENT);
    List<io.virtd.core.apply.ApplyEvent> events = new java.util.ArrayList<>();
    var outcome =
        new io.virtd.core.apply.Executor(
                DriverContract.OWNER,
                new io.virtd.core.apply.GuestLocks(locks),
                java.time.Duration.ofSeconds(5))
            .run(DriverContract.plan(driver, gone, driver.observe(b.name())), driver, events::add);
    assertFalse(outcome.ok());
    assertTrue(events.toString().contains("is the base of"), events.toString());
    assertEquals(RunState.RUNNING, driver.observe(b.name()).get().state(), "nothing was stopped");
    driver.destroy(b.name());

    DriverException e = assertThrows(DriverException.class, () -> driver.remove(b.name()));
    assertTrue(e.getMessage().contains("is the base of"), e.getMessage());
    assertTrue(e.getMessage().contains("`" + k.name() + "`"), e.getMessage());
    assertTrue(e.getMessage().contains("`" + i.name() + "`"), e.getMessage());
    assertTrue(Files.exists(bDisk), "the base disk is still there");
    assertTrue(driver.observe(b.name()).isPresent(), "and so is its guest");

    driver.remove(k.name());
    driver.remove(i.name());
    driver.remove(b.name()); // nothing is built on it any more
    assertFalse(Files.exists(bDisk));
  }

  @Test
  void cloneFromAShutOffDomainGetsItsOwnUuidMacAndDisk() throws Exception {
    Path baseDisk = base.resolve("tmpl.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", baseDisk.toString(), "64M");
    String baseName = prefix + "-tmpl";
    String baseUuid = UUID.randomUUID().toString();
    String baseMac = "52:54:00:12:34:56";
    Connect c = new Connect(URI);
    try {
      c.domainDefineXML(
              "<domain type='"
                  + DomainWriter.domainType(type)
                  + "'><name>"
                  + baseName
                  + "</name>"
                  + "<uuid>"
                  + baseUuid
                  + "</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                  + "<os><type arch='x86_64'>hvm</type></os><devices>"
                  + "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                  + "<source file='"
                  + baseDisk
                  + "'/><target dev='vda' bus='virtio'/></disk>"
                  + "<interface type='user'><mac address='"
                  + baseMac
                  + "'/>"
                  + "<model type='virtio'/></interface><serial type='pty'><log file='"
                  + DomainWriter.consoleLogPath(baseName)
                  + "' append='on'/></serial></devices></domain>")
          .free();
    } finally {
      c.close();
    }
    String before = sha256(baseDisk);

    VmSpec s = guest("cl", Field.CLONE_FROM, baseName, Field.DISK_SIZE, 1L);
    StorageFlows.apply(driver, s, locks);
    assertEquals(RunState.RUNNING, driver.observe(s.name()).get().state());
    String xml = domainXml(s.name());
    assertFalse(xml.contains(baseUuid), "a new UUID");
    assertFalse(xml.contains(baseMac), "a new MAC");
    assertTrue(xml.contains("<mac address="), "the NIC stays, with a MAC of its own");
    assertTrue(
        xml.contains("file='" + DomainWriter.consoleLogPath(s.name()) + "'"),
        "a console log of its own: " + xml);
    assertFalse(xml.contains(baseName + "-console.log"), xml);
    assertFalse(xml.contains(baseDisk + "'"), xml);
    Path disk = images.resolve(s.name() + ".qcow2");
    String info = run("qemu-img", "info", "-U", "--output=json", disk.toString());
    assertEquals(baseDisk.toString(), json(info, "backing-filename"));
    StorageFlows.assertConverged(driver, s);

    // QEMU locks a running overlay's backing file: the base can only run while its clones are off
    driver.destroy(s.name());
    VmSpec second = guest("cl2", Field.CLONE_FROM, baseName);
    driver.start(baseName);
    try {
      DriverException e =
          assertThrows(
              DriverException.class,
              () ->
                  driver.create(second, DriverContract.mark(second, OwnershipMark.Origin.CREATED)));
      assertEquals(DriverException.Kind.CONFLICT, e.kind());
      assertTrue(e.getMessage().contains("shut it off to clone it"), e.getMessage());
    } finally {
      driver.destroy(baseName);
    }

    StorageFlows.apply(driver, with(s, Field.ENSURE, Ensure.ABSENT), locks);
    assertFalse(Files.exists(disk));
    assertTrue(Files.exists(baseDisk));
    assertEquals(before, sha256(baseDisk));
    assertTrue(driver.observe(baseName).isPresent(), "the base domain stays");
  }

  /** Apply (create + start) of a cow guest vs a full copy of a 1 GiB image; prints the times. */
  @Test
  void timingCowVersusClone() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("virtd.it.timing"), "-Dvirtd.it.timing=true");
    Path img = base.resolve("big.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "1G");
    run(
        Duration.ofMinutes(5),
        "qemu-io",
        "-f",
        "qcow2",
        "-c",
        "write -P 0x42 0 1G",
        img.toString());
    for (String mode : List.of("cow", "clone")) {
      VmSpec s = guest("t" + mode, Field.IMAGE, img.toString(), Field.IMAGE_MODE, mode);
      long t0 = System.nanoTime();
      StorageFlows.apply(driver, s, locks);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(RunState.RUNNING, driver.observe(s.name()).get().state());
      System.out.println(
          "TIMING image_mode="
              + mode
              + " (1 GiB image, fully written): apply to running "
              + ms
              + " ms");
    }
  }

  private static String domainXml(String name) throws Exception {
    Connect c = new Connect(URI);
    try {
      var d = c.domainLookupByName(name);
      try {
        return d.getXMLDesc(LibvirtDriver.XML_INACTIVE).replace('"', '\'');
      } finally {
        d.free();
      }
    } finally {
      c.close();
    }
  }

  /** Its output (stdout and stderr); fails past a minute or on a non-zero exit. */
  private static String run(String... argv) throws IOException, InterruptedException {
    return run(Duration.ofSeconds(60), argv);
  }

  private static String run(Duration limit, String... argv)
      throws IOException, InterruptedException {
    Commands.Result r = Commands.run(List.of(argv), limit);
    if (r.exit() != 0) {
      throw new IOException(String.join(" ", argv) + " failed (" + r.exit() + "): " + r.out());
    }
    return r.out();
  }

  /** A top-level string value of qemu-img's JSON (the first occurrence), or null. */
  private static String json(String json, String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\\s*\"([^\"]*)\"").matcher(json);
    return m.find() ? m.group(1) : null;
  }

  private static String jsonNumber(String json, String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\\s*([0-9]+)").matcher(json);
    return m.find() ? m.group(1) : null;
  }

  private static String sha256(Path f) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
