package io.virtd.daemon;

import static io.virtd.daemon.TwoHostFleet.host;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import io.virtd.fleet.FleetAgent;
import io.virtd.fleet.testing.EtcdCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A fleet's life on real processes: a 3-member etcd cluster on loopback, two daemons (hosts h1 and
 * h2) on the real qemu:///system, {@code virtctl push} and {@code virtctl fleet status}. The steps
 * share the cluster and the daemons (starting them is most of the time) and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration CONVERGE = Duration.ofSeconds(60);
  final String prefix = TwoHostFleet.prefix("f");
  final String keyPrefix = "/virtd-fleet-it";
  Path dir;
  TwoHostFleet fleet;
  EtcdCluster etcd;
  DaemonProcess h1;
  DaemonProcess h2;

  @BeforeAll
  void startFleet() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    assumeTrue(EtcdCluster.available(), "etcd is not installed (scripts/install-deps)");
    dir = Files.createTempDirectory("virtd-fleet-it-");
    fleet = TwoHostFleet.start(dir, prefix, keyPrefix, "prune: true\nprune_grace: 1s", "");
    etcd = fleet.etcd;
    h1 = fleet.h1;
    h2 = fleet.h2;
  }

  @AfterAll
  void cleanUp() throws Exception {
    if (fleet != null) {
      fleet.close();
    }
    if (dir != null) {
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private JsonNode fleetStatus() throws Exception {
    return fleet.fleetStatus("--guests");
  }

  private void awaitRunning(String name) {
    await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Virsh.run("domstate", prefix + name).equals("running"));
  }

  private boolean defined(String name) {
    return Virsh.run("list", "--all", "--name")
        .lines()
        .anyMatch(l -> l.strip().equals(prefix + name));
  }

  @Test
  @Order(1)
  void pushedManifestsRunOnTheirHostsAndTheFleetShowsBothConverged() throws Exception {
    fleet.file("h1", "a.yaml", fleet.guest("h1a"));
    fleet.file("h2", "b.yaml", fleet.guest("h2b"));
    var dry = fleet.push("h1", "--dry-run");
    assertEquals(0, dry.exit(), dry.err());
    assertTrue(dry.out().contains("+ a.yaml"), dry.out());
    assertEquals("", etcd.etcdctl("get", "--prefix", keyPrefix + "/v1/desired/").strip());
    var r1 = fleet.push("h1");
    assertEquals(0, r1.exit(), r1.err());
    assertTrue(r1.out().matches("(?s).*revision \\d+\\s*"), r1.out());
    assertEquals(0, fleet.push("h2").exit());
    awaitRunning("h1a");
    awaitRunning("h2b");
    assertFalse(defined("h2a") || defined("h1b"), "each host runs its own guests only");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              JsonNode f = fleetStatus();
              return host(f, "h1").path("up").asBoolean()
                  && host(f, "h2").path("up").asBoolean()
                  && host(f, "h1").path("guests_by_state").path("converged").asInt() == 1
                  && host(f, "h2").path("guests_by_state").path("converged").asInt() == 1;
            });
  }

  @Test
  @Order(2)
  void anInvalidFileIsRefusedAndNothingIsWritten() throws Exception {
    String before = etcd.etcdctl("get", "--prefix", keyPrefix + "/v1/desired/h1/");
    fleet.file("h1", "a.yaml", fleet.guest("h1a").replace("memory: 64", "memory: 80"));
    fleet.file("h1", "bad.yaml", "virt: " + prefix + "bad\nmemory: [\n");
    var r = fleet.push("h1");
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.err().contains("bad.yaml:"), r.err());
    assertEquals(before, etcd.etcdctl("get", "--prefix", keyPrefix + "/v1/desired/h1/"));
    Files.delete(fleet.source("h1").resolve("bad.yaml"));
    fleet.file("h1", "a.yaml", fleet.guest("h1a"));
  }

  @Test
  @Order(3)
  void anInvalidDocumentWrittenToEtcdKeepsTheGuestAndIsReportedWhereItIs() throws Exception {
    etcd.etcdctl("put", keyPrefix + "/v1/desired/h1/a.yaml", fleet.guest("h1a") + "memory: [\n");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                daemonStatus(h1)
                    .path("manifest_problems")
                    .toString()
                    .contains("etcd:h1/a.yaml:6:1: YAML syntax error"));
    var guest = daemonStatus(h1).path("guests");
    assertTrue(guest.toString().contains(prefix + "h1a"), "still managed: " + guest);
    assertEquals("running", Virsh.run("domstate", prefix + "h1a"));
    assertEquals(0, fleet.push("h1").exit());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> daemonStatus(h1).path("manifest_problems").isEmpty());
  }

  @Test
  @Order(4)
  void withTheLeaderKilledAPushToTheOtherTwoStillConverges() throws Exception {
    int leader = etcd.leader();
    etcd.kill(leader);
    try {
      fleet.file("h1", "c.yaml", fleet.guest("h1c"));
      var r = fleet.push("h1");
      assertEquals(0, r.exit(), r.err());
      awaitRunning("h1c");
    } finally {
      etcd.startMember(leader);
    }
    etcd.awaitHealthy(Duration.ofSeconds(30));
  }

  @Test
  @Order(5)
  void withoutEtcdTheDaemonsKeepTheirGuestsAndShowTheStoreDown() throws Exception {
    for (int i = 0; i < 3; i++) {
      etcd.stop(i);
    }
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> !daemonStatus(h1).path("store").path("up").asBoolean(true));
      var text = CliRunner.run("status", "--socket", h1.socket.toString());
      assertTrue(text.out().contains("store etcd:h1: DOWN"), text.out());
      Virsh.run("destroy", prefix + "h1a");
      awaitRunning("h1a"); // healed out of band with etcd gone
      assertEquals("running", Virsh.run("domstate", prefix + "h2b"));
    } finally {
      for (int i = 0; i < 3; i++) {
        etcd.startMember(i);
      }
    }
    etcd.awaitHealthy(Duration.ofSeconds(30));
    fleet.file("h1", "d.yaml", fleet.guest("h1d"));
    var r = fleet.push("h1");
    assertEquals(0, r.exit(), r.err());
    awaitRunning("h1d");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> daemonStatus(h1).path("store").path("up").asBoolean(false));
  }

  private JsonNode daemonStatus(DaemonProcess d) throws Exception {
    var r = CliRunner.run("status", "--json", "--socket", d.socket.toString());
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  @Test
  @Order(6)
  void afterACompactionWhileItWasStoppedADaemonConvergesToTheLatestState() throws Exception {
    h2.signal("TERM");
    assertEquals(0, h2.waitFor(Duration.ofSeconds(60)));
    fleet.file("h2", "e.yaml", fleet.guest("h2e"));
    assertEquals(0, fleet.push("h2").exit());
    etcd.etcdctl("compact", Long.toString(etcd.revision()));
    fleet.file("h2", "e.yaml", fleet.guest("h2e").replace("memory: 64", "memory: 80"));
    fleet.file("h2", "f.yaml", fleet.guest("h2f"));
    assertEquals(0, fleet.push("h2").exit());
    h2.start();
    awaitRunning("h2e");
    awaitRunning("h2f");
    await()
        .atMost(CONVERGE)
        .until(() -> Virsh.run("dumpxml", "--inactive", prefix + "h2e").contains("81920"));
  }

  @Test
  @Order(7)
  void aKilledDaemonIsShownLostWithinTheLeaseTtl() throws Exception {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> host(fleetStatus(), "h2").path("up").asBoolean());
    h2.signal("KILL");
    h2.waitFor(Duration.ofSeconds(20));
    Instant killed = Instant.now();
    await()
        .atMost(Duration.ofSeconds(FleetAgent.LEASE_TTL_SECONDS + 5))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !host(fleetStatus(), "h2").path("up").asBoolean(true));
    var text = CliRunner.run("fleet", "status", "--config", h1.config.toString());
    assertTrue(text.out().lines().anyMatch(l -> l.startsWith("h2  lost")), text.out());
    assertTrue(text.out().lines().anyMatch(l -> l.startsWith("h1  up")), text.out());
    System.out.println(
        "h2 shown lost " + Duration.between(killed, Instant.now()) + " after SIGKILL");
  }

  @Test
  @Order(8)
  void aPushThatRemovesAFilePrunesItsGuest() throws Exception {
    Files.delete(fleet.source("h1").resolve("c.yaml"));
    var dry = fleet.push("h1", "--dry-run");
    assertTrue(dry.out().contains("- c.yaml"), dry.out());
    assertEquals(0, fleet.push("h1").exit());
    await().atMost(CONVERGE).until(() -> !defined("h1c"));
    h1.awaitLog("resource=" + prefix + "h1c pruned", CONVERGE);
    assertEquals("running", Virsh.run("domstate", prefix + "h1a"));
  }
}
