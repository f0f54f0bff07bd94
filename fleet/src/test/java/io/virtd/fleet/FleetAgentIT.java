package io.virtd.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.virtd.core.config.Config;
import io.virtd.fleet.testing.EtcdCluster;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The agent against a real 3-member etcd cluster: watch, compaction, lease loss, outage. */
class FleetAgentIT {
  static EtcdCluster etcd;
  static Client client;
  final FleetKeys keys = new FleetKeys("/t" + System.nanoTime());
  final AtomicInteger changes = new AtomicInteger();
  FleetAgent agent;

  @BeforeAll
  static void cluster() throws Exception {
    assumeTrue(EtcdCluster.available(), "etcd is not installed (scripts/install-deps)");
    etcd = EtcdCluster.start(3);
    client =
        EtcdClients.open(
            new Config.Store(
                etcd.endpoints(), "/x", Optional.empty(), Optional.empty(), Optional.empty()));
  }

  @AfterAll
  static void stopCluster() {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  private FleetAgent agent(String host) {
    agent =
        new FleetAgent(
            client,
            keys,
            host,
            () -> new ObjectMapper().createObjectNode().put("v", 1),
            changes::incrementAndGet,
            Clock.systemUTC());
    agent.start(Duration.ofSeconds(10));
    return agent;
  }

  private void put(String key, String value) throws Exception {
    etcd.etcdctl("put", key, value);
  }

  @Test
  void readsThenFollowsTheWatchAndReadsAgainAfterCompaction() throws Exception {
    put(keys.desired("h1", "a.yaml"), "virt: a\n");
    put(keys.desired("h2", "b.yaml"), "virt: b\n");
    FleetAgent a = agent("h1");
    assertEquals(Map.of("a.yaml", "virt: a\n"), a.files(), "only this host's files");
    put(keys.desired("h1", "sub/c.yaml"), "virt: c\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.files().containsKey("sub/c.yaml"));
    etcd.etcdctl("del", keys.desired("h1", "a.yaml"));
    await().atMost(Duration.ofSeconds(10)).until(() -> !a.files().containsKey("a.yaml"));

    put(keys.desired("h1", "d.yaml"), "virt: d\n");
    etcd.etcdctl("compact", Long.toString(etcd.revision()));
    // a watch from a compacted revision is cancelled: the agent reads everything again
    a.rewatchFrom(2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> a.files().equals(Map.of("sub/c.yaml", "virt: c\n", "d.yaml", "virt: d\n")));
    assertTrue(a.up());
    put(keys.desired("h1", "e.yaml"), "virt: e\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.files().containsKey("e.yaml"));
  }

  @Test
  void aLostLeaseIsGrantedAgainAndTheHostKeyWritten() throws Exception {
    FleetAgent a = agent("h3");
    long first = a.leaseId();
    assertNotEquals(0, first);
    assertTrue(etcd.etcdctl("get", keys.host("h3")).contains("\"v\":1"));
    etcd.etcdctl("lease", "revoke", Long.toHexString(first));
    assertEquals("", etcd.etcdctl("get", keys.host("h3")).strip(), "revoked: the key is gone");
    await()
        .atMost(Duration.ofSeconds(FleetAgent.LEASE_TTL_SECONDS))
        .until(() -> etcd.etcdctl("get", keys.host("h3")).contains("\"v\":1"));
    assertNotEquals(first, a.leaseId());
  }

  @Test
  void withoutTheStoreTheLastStateStaysAndNothingSpinsThenItReadsAgain() throws Exception {
    put(keys.desired("h4", "a.yaml"), "virt: a\n");
    FleetAgent a = agent("h4");
    Map<String, String> before = a.files();
    try {
      for (int i = 0; i < 3; i++) {
        etcd.stop(i);
      }
      await().atMost(Duration.ofSeconds(15)).until(() -> !a.up());
      assertTrue(a.lastError().isPresent());
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = os.getProcessCpuTime();
      Thread.sleep(5000);
      long cpuMs = (os.getProcessCpuTime() - cpu0) / 1_000_000;
      assertTrue(cpuMs < 2500, "no busy loop while etcd is gone: " + cpuMs + " ms CPU in 5 s");
      assertEquals(before, a.files(), "the last desired state read stays");
      assertFalse(a.up());
    } finally {
      for (int i = 0; i < 3; i++) {
        etcd.startMember(i);
      }
    }
    etcd.awaitHealthy(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(30)).until(a::up);
    put(keys.desired("h4", "b.yaml"), "virt: b\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.files().containsKey("b.yaml"));
    assertEquals(
        List.of("a.yaml", "b.yaml"), List.copyOf(new java.util.TreeMap<>(a.files()).keySet()));
  }

  @Test
  void manyStatusesAreWrittenInFewRequestsAndOnlyWhenTheyChange() throws Exception {
    FleetAgent a = agent("h5");
    Map<String, ObjectNode> statuses = new java.util.TreeMap<>();
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < 1000; i++) {
      statuses.put(
          "g" + i, json.createObjectNode().put("name", "g" + i).put("at", "2026-12-05T20:00:00Z"));
    }
    long before = etcd.revision();
    a.publish(statuses);
    await().atMost(Duration.ofSeconds(30)).until(() -> countStatuses("h5") == 1000);
    long batches = etcd.revision() - before;
    assertTrue(
        batches <= 1000 / FleetAgent.STATUS_BATCH + 1, batches + " revisions for 1,000 statuses");
    // only a change is written: the same statuses with another `at` write nothing
    statuses.replaceAll((n, s) -> s.deepCopy().put("at", "2026-12-05T21:00:00Z"));
    statuses.put("g0", statuses.get("g0").deepCopy().put("held", true));
    statuses.remove("g1");
    long mid = etcd.revision();
    a.publish(statuses);
    await().atMost(Duration.ofSeconds(10)).until(() -> countStatuses("h5") == 999);
    assertEquals(mid + 1, etcd.revision(), "one change and one removal, in one request");
    assertTrue(etcd.etcdctl("get", keys.status("h5", "g0")).contains("\"held\":true"));
  }

  private int countStatuses(String host) throws Exception {
    String out = etcd.etcdctl("get", "--prefix", "--keys-only", keys.statusDir(host));
    return (int) out.lines().filter(l -> !l.isBlank()).count();
  }
}
