package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as a separate process against the real qemu:///system: the manifest lifecycle, prune,
 * bad input, signals (TERM, HUP, KILL) and rapid edits. Guests are BIOS-only (no disk, no OS), so
 * they ignore ACPI and {@code ensure: stopped} ends in a destroy after {@code shutdown_timeout}.
 */
class DaemonIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration CONVERGE = Duration.ofSeconds(60);
  @TempDir Path dir;
  final String prefix = "virtd-it-d-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  final List<DaemonProcess> daemons = new ArrayList<>();

  @BeforeEach
  void libvirt() {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
  }

  @AfterEach
  void cleanUp() {
    daemons.forEach(DaemonProcess::close);
    if (Virsh.available()) {
      Virsh.removeAll(prefix);
    }
  }

  private DaemonProcess daemon(String extraConfig) throws Exception {
    DaemonProcess d = new DaemonProcess(dir, "owner: it-daemon\nschedule: 1h\n" + extraConfig);
    daemons.add(d);
    return d;
  }

  private String guest(String name, String extra) {
    return "virt: %s%s\nvirt_type: %s\nmemory: 64\nshutdown_timeout: 2s\n%s"
        .formatted(prefix, name, Virsh.domainType(), extra);
  }

  private static String state(String name) {
    return Virsh.run("domstate", name);
  }

  private void awaitState(String name, String want) {
    await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> state(name).equals(want));
  }

  private static long persistentMemoryKiB(String name) {
    String xml = Virsh.run("dumpxml", "--inactive", name);
    var m = java.util.regex.Pattern.compile("<memory unit='KiB'>(\\d+)</memory>").matcher(xml);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private JsonNode status(DaemonProcess d) throws Exception {
    var r = CliRunner.run("status", "--json", "--socket", d.socket.toString());
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  private static JsonNode guestStatus(JsonNode status, String name) {
    for (JsonNode g : status.path("guests")) {
      if (g.path("name").asText().equals(name)) {
        return g;
      }
    }
    return JSON.missingNode();
  }

  @Test
  void aManifestDrivesTheGuestThroughItsLifeAndARemovedManifestLeavesItAlone() throws Exception {
    DaemonProcess d = daemon("").start();
    String a = prefix + "a";
    d.manifest("a.yaml", guest("a", ""));
    awaitState(a, "running");
    assertTrue(
        Virsh.run("metadata", a, "https://virtd.io/xmlns/mark/1").contains("it-daemon"),
        "the guest carries our mark");

    d.manifest("a.yaml", guest("a", "").replace("memory: 64", "memory: 96"));
    await().atMost(CONVERGE).until(() -> persistentMemoryKiB(a) == 96 * 1024);
    assertEquals("running", state(a));
    await()
        .atMost(CONVERGE)
        .until(
            () -> guestStatus(status(d), a).path("restart_pending").toString().contains("memory"));

    d.manifest("a.yaml", guest("a", "ensure: stopped\n"));
    awaitState(a, "shut off");

    Files.delete(d.manifests.resolve("a.yaml"));
    d.awaitLog("resource=" + a + " manifest removed: guest left as it is", CONVERGE);
    var r = CliRunner.run("reconcile", "--socket", d.socket.toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals("queued 0 resource(s)", r.out().strip(), "a full reconcile leaves it out");
    var one = CliRunner.run("reconcile", "--socket", d.socket.toString(), a);
    assertEquals(1, one.exit(), one.out());
    assertTrue(one.err().contains("unknown name `" + a + "`"), "not managed: " + one.err());
    assertEquals("shut off", state(a), "an unmanaged guest is left exactly as it is");
  }

  @Test
  void pruneRemovesACreatedGuestOnlyAfterTheGraceAndHandsAnAdoptedOneBackUnmarked()
      throws Exception {
    DaemonProcess d = daemon("prune: true\nprune_grace: 3s\n").start();
    String a = prefix + "p";
    String adopted = prefix + "q";
    Path xml = dir.resolve("q.xml");
    Files.writeString(
        xml,
        "<domain type='%s'><name>%s</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>"
            .formatted(Virsh.domainType(), adopted));
    Virsh.run("define", xml.toString());
    d.manifest("p.yaml", guest("p", ""));
    d.manifest("q.yaml", guest("q", "ensure: installed\n"));
    awaitState(a, "running");
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                Virsh.run("metadata", adopted, "https://virtd.io/xmlns/mark/1")
                    .contains("adopted"));

    long removedAt = System.nanoTime();
    Files.delete(d.manifests.resolve("p.yaml"));
    Files.delete(d.manifests.resolve("q.yaml"));
    await().atMost(CONVERGE).until(() -> !Virsh.run("list", "--all", "--name").contains(a));
    long took = (System.nanoTime() - removedAt) / 1_000_000;
    assertTrue(took >= 3000, "pruned after " + took + " ms, before prune_grace");
    d.awaitLog(
        "resource=" + adopted + " manifest gone; adopted guest handed back as it is, mark removed",
        CONVERGE);
    assertFalse(
        Virsh.run("metadata", adopted, "https://virtd.io/xmlns/mark/1").contains("adopted"),
        "handed back un-marked");
    assertEquals("shut off", state(adopted), "an adopted guest is never pruned");
  }

  @Test
  void garbageKeepsTheLastValidStateAndIsShownUntilFixed() throws Exception {
    DaemonProcess d = daemon("log_level: debug\n").start();
    String a = prefix + "g";
    d.manifest("g.yaml", guest("g", ""));
    awaitState(a, "running");

    d.manifest("g.yaml", guest("g", "ensure: [stopped\n"));
    await()
        .atMost(CONVERGE)
        .until(() -> status(d).path("manifest_problems").toString().contains("g.yaml:"));
    // status may answer between the reload publishing the problem and the warning being logged
    d.awaitLog("g.yaml:", Duration.ofSeconds(10));
    // one reconcile of a key at a time: the second to end after the mark began after it
    long mark = d.logMark();
    for (int n = 1; n <= 2; n++) {
      var r = CliRunner.run("reconcile", "--socket", d.socket.toString());
      assertEquals(0, r.exit());
      d.awaitLogSince(mark, "resource=" + a + " reconciled: done", n, CONVERGE);
    }
    assertEquals("running", state(a), "an invalid manifest stops nothing");

    d.manifest("g.yaml", guest("g", "ensure: stopped\n"));
    awaitState(a, "shut off");
    await().atMost(CONVERGE).until(() -> status(d).path("manifest_problems").isEmpty());
  }

  @Test
  void sigtermLetsTheRunningStepFinishAndExitsZero() throws Exception {
    DaemonProcess d = daemon("").start();
    String a = prefix + "t";
    d.manifest("t.yaml", guest("t", ""));
    awaitState(a, "running");
    // a BIOS-only guest ignores ACPI, so this stop takes the whole shutdown_timeout
    d.manifest(
        "t.yaml",
        guest("t", "ensure: stopped\n").replace("shutdown_timeout: 2s", "shutdown_timeout: 6s"));
    d.awaitLog("resource=" + a + " step=stop started", Duration.ofSeconds(30));
    d.signal("TERM");
    assertEquals(0, d.waitFor(Duration.ofSeconds(70)));
    assertEquals("shut off", state(a), "the stop that was running when SIGTERM came finished");
    assertTrue(d.logText().contains("stopping: no new work"));
  }

  @Test
  void sigkillMidApplyThenRestartConvergesWithoutDuplicates() throws Exception {
    DaemonProcess d = daemon("workers: 2\n").start();
    for (int i = 0; i < 4; i++) {
      d.manifest("k" + i + ".yaml", guest("k" + i, ""));
    }
    d.awaitLog("step=create ok", CONVERGE);
    d.signal("KILL");
    d.waitFor(Duration.ofSeconds(10));
    DaemonProcess again = new DaemonProcess(dir, "owner: it-daemon\nschedule: 1h\nworkers: 2\n");
    daemons.add(again);
    again.start();
    for (int i = 0; i < 4; i++) {
      awaitState(prefix + "k" + i, "running");
      assertTrue(
          Virsh.run("metadata", prefix + "k" + i, "https://virtd.io/xmlns/mark/1")
              .contains("created"),
          "every guest carries its mark, also one created just before the kill");
    }
    long ours =
        Virsh.run("list", "--all", "--name").lines().filter(n -> n.startsWith(prefix)).count();
    assertEquals(4, ours);
  }

  @Test
  void sighupReloadsTheConfigurationAndABadOneIsNotTaken() throws Exception {
    DaemonProcess d = daemon("").start();
    Path other = Files.createDirectories(dir.resolve("other"));
    String a = prefix + "h";
    Path f = other.resolve("h.yaml");
    Files.writeString(f, guest("h", ""));
    Files.setPosixFilePermissions(
        f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    String base = Files.readString(d.config);
    d.writeConfig(base.replace("manifests: " + d.manifests, "manifests: " + other));
    d.signal("HUP");
    awaitState(a, "running");
    d.awaitLog(" reloaded: manifests " + other, CONVERGE);

    d.writeConfig(base + "workers: many\n");
    d.signal("HUP");
    d.awaitLog("is invalid: keeping the running configuration", CONVERGE);
    assertTrue(d.alive());
    assertEquals(0, CliRunner.run("status", "--socket", d.socket.toString()).exit());
  }

  @Test
  void systemdHearsReadyWatchdogPingsAndStopping() throws Exception {
    Path sock = dir.resolve("notify.sock");
    try (NotifyReceiver systemd = NotifyReceiver.bindPath(sock)) {
      DaemonProcess d = daemon("");
      d.env.put("NOTIFY_SOCKET", sock.toString());
      d.env.put("WATCHDOG_USEC", "1000000");
      d.start();
      List<String> heard = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                for (byte[] m = systemd.poll(); m != null; m = systemd.poll()) {
                  heard.add(new String(m, java.nio.charset.StandardCharsets.UTF_8));
                }
                return heard.contains("READY=1")
                    && heard.stream().filter("WATCHDOG=1"::equals).count() >= 3;
              });
      d.signal("TERM");
      assertEquals(0, d.waitFor(Duration.ofSeconds(70)));
      for (byte[] m = systemd.poll(); m != null; m = systemd.poll()) {
        heard.add(new String(m, java.nio.charset.StandardCharsets.UTF_8));
      }
      assertTrue(heard.contains("STOPPING=1"), heard.toString());
      assertTrue(heard.stream().anyMatch(m -> m.startsWith("STATUS=watching ")), heard.toString());
    }
  }

  @Test
  void rapidEditsEndInTheLastContents() throws Exception {
    DaemonProcess d = daemon("workers: 2\n").start();
    Random random = new Random(42);
    int[] last = new int[2];
    for (int round = 0; round < 25; round++) {
      for (int g = 0; g < 2; g++) {
        last[g] = 64 + 8 * random.nextInt(9);
        d.manifest(
            "r" + g + ".yaml",
            guest("r" + g, "ensure: stopped\n").replace("memory: 64", "memory: " + last[g]));
      }
      Thread.sleep(random.nextInt(120));
    }
    for (int g = 0; g < 2; g++) {
      String name = prefix + "r" + g;
      long want = last[g] * 1024L;
      await()
          .atMost(CONVERGE)
          .until(
              () ->
                  Virsh.run("list", "--all", "--name").contains(name)
                      && persistentMemoryKiB(name) == want);
      assertEquals("shut off", state(name));
    }
    assertFalse(d.logText().contains("reconcile failed unexpectedly"));
  }
}
