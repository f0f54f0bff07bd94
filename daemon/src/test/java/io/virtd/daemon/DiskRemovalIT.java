package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Removing guests whose disks virtd made. Eight guests with disks removed at once, by {@code
 * ensure: absent}, by {@code --replace} and by prune, ten times in a row, while a parallel virsh
 * loop defines and undefines other guests: the check that no other guest is built on a removed disk
 * must not mistake a guest that vanished during its walk (one removed by the same apply, one
 * undefined by anyone) for a user of the disk. And a disk whose path XML has to escape is still
 * found as another guest's base.
 */
class DiskRemovalIT {
  static final int GUESTS = 8;
  static final int ROUNDS = 10;

  final String prefix = "virtd-it-rm-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  final Path root = Path.of("/var/lib/virtd-test", prefix);
  final Path images = root.resolve("images");
  final AtomicBoolean churning = new AtomicBoolean();
  final AtomicInteger churned = new AtomicInteger();
  Thread churn;
  Path manifests;
  Path config;
  DaemonProcess daemon;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    manifests = Files.createDirectories(root.resolve("m"));
    for (Path p = root; !p.equals(Path.of("/var/lib")); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    config = root.resolve("virtd.yaml");
    write(config, configText(""));
    startChurn();
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      stopChurn();
      if (daemon != null) {
        daemon.close();
      }
      Virsh.removeAll(prefix);
      Virsh.removePoolsUnder(root);
    } finally {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private String configText(String extra) {
    return "owner: it-removal\nworkers: %d\nlock_dir: %s\nstorage_dir: %s\nconnect: qemu:///system\n%s"
        .formatted(GUESTS, root.resolve("locks"), images, extra);
  }

  /** Other guests come and go all the time, as on a busy host. */
  private void startChurn() throws IOException {
    Path xml = root.resolve("churn.xml");
    churning.set(true);
    churn =
        new Thread(
            () -> {
              for (int i = 0; churning.get(); i++) {
                String name = prefix + "churn-" + (i % 4);
                try {
                  Files.writeString(
                      xml,
                      "<domain type='%s'><name>%s</name><memory unit='MiB'>32</memory><os><type>hvm</type></os></domain>"
                          .formatted(Virsh.domainType(), name));
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
                Virsh.run("define", xml.toString());
                Virsh.run("undefine", name);
                churned.incrementAndGet();
              }
            },
            "virsh-churn");
    churn.setDaemon(true);
    churn.start();
  }

  private void stopChurn() throws InterruptedException {
    churning.set(false);
    if (churn != null) {
      churn.join(Duration.ofSeconds(60).toMillis());
    }
  }

  /** In place at once (a dotfile renamed), so a watching daemon never reads it half-written. */
  private static void write(Path f, String text) throws IOException {
    Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private String name(int i) {
    return prefix + "g" + i;
  }

  private void guests(String extra) throws IOException {
    for (int i = 0; i < GUESTS; i++) {
      write(
          manifests.resolve("g" + i + ".yaml"),
          "virt: %s\nvirt_type: %s\nensure: stopped\nmemory: 32\ndisk_size: 1\n%s"
              .formatted(name(i), Virsh.domainType(), extra));
    }
  }

  private CliRunner.Result virtctl(String... args) {
    List<String> argv =
        new ArrayList<>(
            List.of(args[0], "--config", config.toString(), "-m", manifests.toString()));
    argv.addAll(List.of(args).subList(1, args.length));
    return CliRunner.run(argv.toArray(String[]::new));
  }

  private static void assertApplied(CliRunner.Result r, String what) {
    assertEquals(0, r.exit(), what + ":\n" + r.out() + r.err());
    assertFalse(r.out().contains("refused"), what + ":\n" + r.out());
  }

  private List<String> ours() {
    return Virsh.run("list", "--all", "--name")
        .lines()
        .map(String::strip)
        .filter(n -> n.startsWith(prefix + "g"))
        .toList();
  }

  private List<Path> disks() throws IOException {
    if (!Files.isDirectory(images)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(images)) {
      return s.toList();
    }
  }

  @Test
  void eightGuestsRemovedInOneApplyTenTimesInARow() throws Exception {
    for (int round = 1; round <= ROUNDS; round++) {
      guests("");
      assertApplied(virtctl("apply"), "round " + round + ": create");
      assertEquals(GUESTS, ours().size());
      for (int i = 0; i < GUESTS; i++) {
        write(
            manifests.resolve("g" + i + ".yaml"),
            "virt: %s\nvirt_type: %s\nensure: absent\n".formatted(name(i), Virsh.domainType()));
      }
      assertApplied(virtctl("apply"), "round " + round + ": remove");
      assertEquals(List.of(), ours(), "round " + round);
      assertEquals(List.of(), disks(), "round " + round + ": every disk virtd made is deleted");
    }
    assertFalse(churned.get() < ROUNDS, "the virsh loop ran alongside: " + churned.get());
  }

  @Test
  void aDiskWhosePathXmlEscapesIsStillFoundAsTheBaseOfAnotherGuest() throws Exception {
    Path odd = root.resolve("it's \"odd\" & <images>");
    write(config, configText("").replace("storage_dir: " + images, "storage_dir: " + odd));
    String base = prefix + "g0";
    String user = prefix + "g1";
    Path disk = odd.resolve(base + ".qcow2");
    write(
        manifests.resolve("g0.yaml"),
        "virt: %s\nvirt_type: %s\nensure: stopped\nmemory: 32\ndisk_size: 1\n"
            .formatted(base, Virsh.domainType()));
    assertApplied(virtctl("apply"), "base");
    write(
        manifests.resolve("g1.yaml"),
        "virt: %s\nvirt_type: %s\nensure: stopped\nmemory: 32\nimage: '%s'\n"
            .formatted(user, Virsh.domainType(), disk.toString().replace("'", "''")));
    assertApplied(virtctl("apply"), "a guest whose image is the base's disk");

    write(
        manifests.resolve("g0.yaml"),
        "virt: %s\nvirt_type: %s\nensure: absent\n".formatted(base, Virsh.domainType()));
    CliRunner.Result r = virtctl("apply");
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("is the base of `" + user + "`"), "the user is named: " + r.out());
    assertTrue(Files.exists(disk), "the base's disk is still there");
    assertEquals(List.of(base, user), ours().stream().sorted().toList());
  }

  @Test
  void eightGuestsReplacedInOneApplyTenTimesInARow() throws Exception {
    guests("os_variant: debian11\n");
    assertApplied(virtctl("apply"), "create");
    String[] replace =
        IntStream.range(0, GUESTS)
            .mapToObj(i -> List.of("--replace", name(i)))
            .flatMap(List::stream)
            .toArray(String[]::new);
    for (int round = 1; round <= ROUNDS; round++) {
      guests("os_variant: debian1" + (round % 2 == 0 ? "1" : "2") + "\n");
      String[] argv = Stream.concat(Stream.of("apply"), Stream.of(replace)).toArray(String[]::new);
      assertApplied(virtctl(argv), "round " + round + ": replace");
      assertEquals(GUESTS, ours().size());
      assertEquals(GUESTS, disks().size(), "round " + round + ": one disk per guest, no leftover");
    }
  }

  @Test
  void eightGuestsPrunedAtOnceTenTimesInARow() throws Exception {
    daemon =
        new DaemonProcess(
            root.resolve("daemon"),
            "owner: it-removal\nworkers: %d\nstorage_dir: %s\nprune: true\nprune_grace: 1s\nschedule: 1h\n"
                .formatted(GUESTS, images));
    manifests = daemon.manifests;
    daemon.start();
    for (int round = 1; round <= ROUNDS; round++) {
      guests("");
      await().atMost(Duration.ofSeconds(120)).until(() -> disks().size() == GUESTS);
      await().atMost(Duration.ofSeconds(60)).until(() -> ours().size() == GUESTS);
      for (int i = 0; i < GUESTS; i++) {
        Files.delete(manifests.resolve("g" + i + ".yaml"));
      }
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> ours().isEmpty() || daemon.logText().contains("refused"));
      assertFalse(
          daemon.logText().contains("refused"), "round " + round + ":\n" + daemon.logText());
      await().atMost(Duration.ofSeconds(30)).until(() -> disks().isEmpty());
    }
  }
}
