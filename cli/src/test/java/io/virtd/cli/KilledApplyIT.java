package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real {@code virtctl apply} process killed (as by SIGKILL: the driver's test-only halt point
 * {@code virtd.test.haltAt}) at each step boundary of a create and of a remove of a guest with a
 * disk and a cloud-init seed, and of an update adding a disk: the next apply converges, and no
 * volume or seed without a guest is left in {@code storage_dir}.
 */
class KilledApplyIT {
  final String prefix =
      System.getProperty("virtd.it.prefix", "virtd-it-")
          + "ka-"
          + UUID.randomUUID().toString().substring(0, 8)
          + "-";
  final Path root = Path.of("/var/lib/virtd-test", prefix);
  final String guest = prefix + "g";
  Path manifests;
  Path images;
  Path config;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    manifests = Files.createDirectories(root.resolve("m"));
    for (Path p = root; p != null && !p.equals(Path.of("/var/lib")); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    images = root.resolve("images");
    config = root.resolve("virtd.yaml");
    write(
        config,
        "owner: it-killed\nworkers: 1\nconnect: qemu:///system\nlock_dir: %s\nstorage_dir: %s\n"
            .formatted(root.resolve("locks"), images));
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      Virsh.removeAll(prefix);
      for (String pool :
          Virsh.run("pool-list", "--all", "--name")
              .lines()
              .map(String::strip)
              .filter(s -> !s.isEmpty())
              .toList()) {
        if (Virsh.run("pool-dumpxml", pool).contains("<path>" + root)) {
          Virsh.run("pool-destroy", pool);
          Virsh.run("pool-undefine", pool);
        }
      }
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

  private void manifest(String ensure) throws IOException {
    // no OS and never started: the steps cut off are storage and definition, not boots
    write(
        manifests.resolve("g.yaml"),
        ("virt: %s\nvirt_type: qemu\nmemory: 64\ndisk_size: 1\nensure: %s\nautoboot: false\n"
                + "user_data:\n  hostname: killed\n")
            .formatted(guest, ensure));
  }

  @ParameterizedTest
  @ValueSource(strings = {"create:after-volumes", "create:after-seed", "create:after-define"})
  void aCreateKilledAtAStepBoundaryIsFinishedByTheNextApply(String point) throws Exception {
    manifest("stopped");
    killedApply(point);
    Set<String> left = files();
    assertFalse(left.isEmpty(), "the killed create had made its disk: " + left);
    Cli.run("plan", "--config", config.toString(), "-m", manifests.toString());
    assertEquals(left, files(), "plan changes nothing");

    Cli again = apply();
    assertEquals(0, again.exit(), again.out() + again.err());
    assertEquals("shut off", Virsh.run("domstate", guest));
    assertEquals(Set.of(guest + ".qcow2", guest + "-cidata.iso"), files(), "only the guest's own");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"remove:after-stop", "remove:after-undefine", "remove:after-volume-delete"})
  void aRemoveKilledAtAStepBoundaryIsFinishedByTheNextApply(String point) throws Exception {
    manifest("stopped");
    Cli up = apply();
    assertEquals(0, up.exit(), up.out() + up.err());
    assertEquals(Set.of(guest + ".qcow2", guest + "-cidata.iso"), files());

    manifest("absent");
    killedApply(point);
    assertFalse(files().isEmpty(), "the killed remove had not deleted everything yet");

    Cli again = apply();
    assertEquals(0, again.exit(), again.out() + again.err());
    assertFalse(
        Virsh.run("list", "--all", "--name").lines().anyMatch(guest::equals), "the guest is gone");
    assertEquals(Set.of(), files(), "no volume or seed left without its guest");
  }

  @ParameterizedTest
  @ValueSource(strings = {"update:after-volumes", "update:after-define"})
  void anUpdateAddingADiskKilledAtAStepBoundaryIsFinishedByTheNextApply(String point)
      throws Exception {
    Path data = Files.createDirectories(root.resolve("data")).resolve("data.img");
    write(data, "someone's data");
    disks("  - size: 1\n");
    Cli up = apply();
    assertEquals(0, up.exit(), up.out() + up.err());
    assertEquals(Set.of(guest + "-vda.qcow2"), files());

    disks("  - size: 1\n  - size: 1\n  - path: " + data + "\n");
    killedApply(point);
    assertTrue(files().contains(guest + "-vdb.qcow2"), "the killed update had made vdb's volume");

    Cli again = apply();
    assertEquals(0, again.exit(), again.out() + again.err());
    assertEquals(
        Set.of(guest + "-vda.qcow2", guest + "-vdb.qcow2"), files(), "only the guest's own disks");
    assertTrue(Virsh.run("domblklist", guest, "--inactive").contains(data.toString()));
    assertEquals("someone's data", Files.readString(data), "a `path` disk is never touched");
    Cli plan = Cli.run("plan", "--config", config.toString(), "-m", manifests.toString());
    assertEquals(0, plan.exit(), "nothing left to change: " + plan.out() + plan.err());
  }

  private void disks(String items) throws IOException {
    write(
        manifests.resolve("g.yaml"),
        ("virt: %s\nvirt_type: qemu\nmemory: 64\nensure: stopped\nautoboot: false\n" + "disks:\n%s")
            .formatted(guest, items));
  }

  private Cli apply() {
    return Cli.run("apply", "--config", config.toString(), "-m", manifests.toString());
  }

  /** {@code virtctl apply} in a process of its own that dies at {@code point}. */
  private void killedApply(String point) throws Exception {
    Path out = root.resolve("out");
    Process p =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-Dvirtd.test.haltAt=" + point,
                "-cp",
                Path.of("target/virtctl.jar").toAbsolutePath().toString(),
                "io.virtd.cli.Virtctl",
                "apply",
                "--config",
                config.toString(),
                "-m",
                manifests.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    try {
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "apply ended");
      assertEquals(137, p.exitValue(), "halted at " + point + ": " + Files.readString(out));
    } finally {
      p.destroyForcibly();
    }
  }

  /** The files in storage_dir, as on disk: volumes, seeds and anything else virtd left there. */
  private Set<String> files() throws IOException {
    if (!Files.isDirectory(images)) {
      return Set.of();
    }
    try (Stream<Path> s = Files.list(images)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  private static void write(Path f, String text) throws IOException {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }
}
