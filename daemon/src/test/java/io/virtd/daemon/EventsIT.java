package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon against the real qemu:///system, with a one-hour schedule so that only the manifest
 * watcher and libvirt's lifecycle events can explain how fast it acts.
 */
class EventsIT {
  @TempDir Path dir;
  static final String DEFINED_PREFIX = "virtd-it-dd-ev-";
  final String name = "virtd-it-ev-" + UUID.randomUUID().toString().substring(0, 8);
  Virtd virtd;
  Thread thread;
  Path socket;
  Path manifests;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    manifests = Files.createDirectories(dir.resolve("m"));
    socket = dir.resolve("virtd.sock");
    Path cfg = dir.resolve("virtd.yaml");
    Files.writeString(
        cfg,
        """
        manifests: %s
        socket: %s
        lock_dir: %s
        owner: it-events
        schedule: 1h
        connect: qemu:///system
        http: {listen: "off"}
        """
            .formatted(manifests, socket, dir.resolve("locks")));
    virtd = new Virtd();
    virtd.config = cfg;
    thread =
        new Thread(
            () -> {
              try {
                virtd.call();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            "virtd-under-test");
    thread.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(socket));
  }

  @AfterEach
  void stop() throws Exception {
    if (virtd != null) {
      virtd.shutdown();
      thread.join(30_000);
    }
    if (Virsh.available()) {
      Virsh.removeAll(name);
      Virsh.removeAll(DEFINED_PREFIX); // once the daemon is gone: it would start them again
    }
  }

  /** Reconciles of the guest that have ended, as the reconciler logs them. */
  final java.util.concurrent.atomic.AtomicInteger reconciled =
      new java.util.concurrent.atomic.AtomicInteger();

  private final ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent>
      reconciles =
          new ch.qos.logback.core.AppenderBase<>() {
            @Override
            protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
              // EventsIT.this: an appender has a name of its own
              if (e.getFormattedMessage()
                  .startsWith("resource=" + EventsIT.this.name + " reconciled: ")) {
                reconciled.incrementAndGet();
              }
            }
          };

  @BeforeEach
  void countReconciles() {
    var log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Reconciler.class);
    log.setLevel(ch.qos.logback.classic.Level.DEBUG);
    reconciles.start();
    log.addAppender(reconciles);
  }

  @AfterEach
  void stopCounting() {
    var log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Reconciler.class);
    log.detachAppender(reconciles);
    log.setLevel(null);
  }

  private com.fasterxml.jackson.databind.JsonNode status() throws Exception {
    var r = CliRunner.run("status", "--json", "--socket", socket.toString());
    assertEquals(0, r.exit(), r.err());
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
  }

  private com.fasterxml.jackson.databind.JsonNode guestStatus() throws Exception {
    for (var g : status().path("guests")) {
      if (g.path("name").asText().equals(name)) {
        return g;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private void manifest(String text) throws Exception {
    Path f = manifests.resolve("g.yaml");
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void aManifestDropAndAnOutOfBandDestroyAreActedOnLongBeforeTheSchedule() throws Exception {
    long t0 = System.nanoTime();
    manifest(
        "virt: %s\nvirt_type: %s\nmemory: 64\nshutdown_timeout: 2s\n"
            .formatted(name, Virsh.domainType()));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Virsh.run("domstate", name).equals("running"));
    System.out.printf("manifest written -> running: %d ms%n", (System.nanoTime() - t0) / 1_000_000);

    long t1 = System.nanoTime();
    Virsh.run("destroy", name);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Virsh.run("domstate", name).equals("running"));
    System.out.printf(
        "virsh destroy -> running again: %d ms%n", (System.nanoTime() - t1) / 1_000_000);

    assertEquals(0, CliRunner.run("hold", "--socket", socket.toString(), name).exit());
    Virsh.run("destroy", name);
    // the destroy's event was reconciled: status shows the held guest as that reconcile saw it
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> guestStatus().path("state").asText().equals("shutoff"));
    assertTrue(guestStatus().path("held").asBoolean());
    assertEquals("shut off", Virsh.run("domstate", name), "a held guest stays exactly as it is");
    assertEquals(0, CliRunner.run("release", "--socket", socket.toString(), name).exit());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Virsh.run("domstate", name).equals("running"));

    manifest(
        "virt: %s\nvirt_type: %s\nmemory: 64\nensure: [broken\n"
            .formatted(name, Virsh.domainType()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> status().path("manifest_problems").toString().contains("g.yaml:"));
    // one reconcile of a key at a time: the second to end from here on began after the problem
    int seen = reconciled.get();
    for (int n = 1; n <= 2; n++) {
      assertEquals(0, CliRunner.run("reconcile", "--socket", socket.toString(), name).exit());
      int want = seen + n;
      await().atMost(Duration.ofSeconds(30)).until(() -> reconciled.get() >= want);
    }
    assertEquals("running", Virsh.run("domstate", name), "an invalid manifest changes nothing");
    var status = CliRunner.run("status", "--json", "--socket", socket.toString());
    assertEquals(0, status.exit());
  }

  /**
   * Libvirt's "defined" event with detail "updated" (the saved definition was rewritten behind
   * virtd's back, here with virsh define) brings the guest's config-only drift back long before the
   * hourly schedule, without restarting it.
   */
  @Test
  void aDefinitionRewrittenOutOfBandIsWrittenBackAtOnceWithoutARestart() throws Exception {
    String g = DEFINED_PREFIX + UUID.randomUUID().toString().substring(0, 8);
    Files.writeString(
        manifests.resolve("h5.yaml"),
        "virt: %s\nvirt_type: %s\nmemory: 64\non_crash: restart\nrestart: on_change\n"
                .formatted(g, Virsh.domainType())
            + "shutdown_timeout: 2s\n");
    Files.setPosixFilePermissions(
        manifests.resolve("h5.yaml"), PosixFilePermissions.fromString("rw-r--r--"));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Virsh.run("domstate", g).equals("running"));
    String id = Virsh.run("domid", g);
    Path xml = dir.resolve("h5.xml");
    String saved = Virsh.run("dumpxml", "--inactive", "--security-info", g);
    assertTrue(saved.contains("<on_crash>restart</on_crash>"), saved);
    Files.writeString(
        xml, saved.replace("<on_crash>restart</on_crash>", "<on_crash>destroy</on_crash>"));
    long t0 = System.nanoTime();
    Virsh.run("define", xml.toString());
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> Virsh.run("dumpxml", "--inactive", g).contains("<on_crash>restart</on_crash>"));
    System.out.printf(
        "virsh define (config-only drift) -> written back: %d ms%n",
        (System.nanoTime() - t0) / 1_000_000);
    assertEquals(id, Virsh.run("domid", g), "written back, never restarted");
  }
}
