package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.apply.Apply;
import io.virtd.core.apply.ApplyEvent;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.apply.Planning;
import io.virtd.core.config.Config;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.plan.HostPlan;
import io.virtd.core.plan.HostStep;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanError;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.PlanText;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.Mutability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.libvirt.StoragePool;

/**
 * A network, a directory pool and a guest on both, from manifests, on a real libvirtd: created in
 * one plan, changed live where libvirt can, refused where removing would harm a guest. Needs {@code
 * dnsmasq-base} and {@code iptables} installed before libvirtd started (the install step does).
 */
class HostResourcesIT {
  static final String URI = "qemu:///system";
  static final String PREFIX = "virtd-it-hr-";

  private final String id = UUID.randomUUID().toString().substring(0, 6);
  private final String net = PREFIX + id + "-net";
  private final String pool = PREFIX + id + "-pool";
  private final String guest = PREFIX + id + "-g";
  private final String bridge = "vhr" + id.substring(0, 5);
  private final int subnet = ThreadLocalRandom.current().nextInt(10, 250);

  @TempDir Path tmp;
  private Path manifests;
  private Path poolDir;
  private Config config;
  private final List<ApplyEvent> events = new ArrayList<>();

  private static String virtType;

  @BeforeAll
  static void reachable() throws LibvirtException {
    DomainCleaner.assumeReachable(URI);
    virtType = LibvirtQemuContractIT.kvmUsable() ? "kvm" : "qemu";
  }

  @BeforeEach
  void setUp() throws Exception {
    // QEMU runs as its own user: it must reach the disk in the pool's directory
    Files.setPosixFilePermissions(
        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    manifests = Files.createDirectories(tmp.resolve("manifests"));
    poolDir = tmp.resolve("pool"); // made by libvirt when it builds the pool
    Files.createDirectories(tmp.resolve("locks"));
    config =
        Config.defaults()
            .withConnect(URI)
            .withLockDir(tmp.resolve("locks"))
            .withStorageDir(Files.createDirectories(tmp.resolve("state")));
  }

  @AfterEach
  void cleanUp() throws Exception {
    DomainCleaner.removeAll(URI, PREFIX + id);
    EventLoop.ensureStarted();
    Connect c = new Connect(URI);
    try {
      for (String n : c.listNetworks()) {
        destroyNetwork(c, n);
      }
      for (String n : c.listDefinedNetworks()) {
        destroyNetwork(c, n);
      }
      List<String> pools = new ArrayList<>(List.of(c.listStoragePools()));
      pools.addAll(List.of(c.listDefinedStoragePools()));
      for (String n : pools) {
        if (!n.startsWith(PREFIX + id)) {
          continue;
        }
        StoragePool p = c.storagePoolLookupByName(n);
        try {
          if (p.isActive() == 1) {
            p.destroy();
          }
          p.undefine();
        } finally {
          p.free();
        }
      }
    } finally {
      c.close();
    }
  }

  private void destroyNetwork(Connect c, String n) throws LibvirtException {
    if (!n.startsWith(PREFIX + id)) {
      return;
    }
    Network nw = c.networkLookupByName(n);
    try {
      if (nw.isActive() == 1) {
        nw.destroy();
      }
      if (nw.isPersistent() == 1) {
        nw.undefine();
      }
    } finally {
      nw.free();
    }
  }

  // --- manifests

  private String ip(int host) {
    return "10.231." + subnet + "." + host;
  }

  private void writeNetwork(String extra) throws Exception {
    Files.writeString(
        manifests.resolve("net.yaml"),
        "network: "
            + net
            + "\nforward: nat\nbridge: "
            + bridge
            + "\nip: "
            + ip(1)
            + "/24\ndhcp:\n  range: "
            + ip(100)
            + "-"
            + ip(200)
            + "\n  hosts:\n    - {mac: \"52:54:00:23:10:10\", ip: "
            + ip(10)
            + ", name: db01}\n"
            + extra);
  }

  private void writePool(String extra) throws Exception {
    Files.writeString(
        manifests.resolve("pool.yaml"),
        "pool: " + pool + "\ntype: dir\npath: " + poolDir + "\nautostart: true\n" + extra);
  }

  private void writeGuest(String extra) throws Exception {
    Files.writeString(
        manifests.resolve("guest.yaml"),
        "virt: "
            + guest
            + "\nvirt_type: "
            + virtType
            + "\nmemory: 64MiB\ncpus: 1\ninterfaces: ["
            + net
            + "]\n"
            + extra);
  }

  private Plan plan(Drivers drivers) {
    DesiredState s = new ManifestLoader().load(manifests);
    assertEquals(List.of(), s.errors());
    return Planning.plan(
        s.resources().values(), s.hostResources(), drivers, PlanPolicy.of(config.owner()));
  }

  private Apply.Result apply(Drivers drivers, Plan plan) {
    Executor executor =
        new Executor(config.owner(), new GuestLocks(config.lockDir()), Duration.ofSeconds(30));
    return Apply.run(plan, drivers, executor, PlanPolicy.of(config.owner()), events::add);
  }

  private static String text(Plan p) {
    return PlanText.render(PlanJson.of(p));
  }

  private static String sh(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", argv) + ": " + out);
    return out;
  }

  private String dnsmasqPid() throws Exception {
    String pid = Files.readString(Path.of("/run/libvirt/network", net + ".pid")).strip();
    assertTrue(Files.isDirectory(Path.of("/proc", pid)), "dnsmasq " + pid + " runs");
    return pid;
  }

  // --- tests

  @Test
  void aNetworkAPoolAndAGuestOnBothComeFromOnePlanAndASecondPlanIsEmpty() throws Exception {
    writeNetwork("autostart: false\n");
    writePool("");
    writeGuest("virt_path: " + poolDir + "\ndisk_size: 1\nensure: stopped\n");
    try (Drivers drivers = new Drivers(config)) {
      Plan first = plan(drivers);
      String shown = text(first);
      assertTrue(shown.indexOf("network/" + net) < shown.indexOf("virt/" + guest), shown);
      assertTrue(shown.indexOf("pool/" + pool) < shown.indexOf("virt/" + guest), shown);
      Apply.Result r = apply(drivers, first);
      assertEquals(List.of(), r.failed(), events.toString());
      assertEquals(List.of(), r.inconsistent(), events.toString());
      assertEquals(0, r.exitCode());

      String netXml = sh("virsh", "-c", URI, "net-dumpxml", net);
      assertTrue(netXml.contains("<forward mode='nat'"), netXml);
      assertTrue(netXml.contains("name='" + bridge + "'"), netXml);
      assertTrue(netXml.contains("<range start='" + ip(100) + "' end='" + ip(200) + "'"), netXml);
      assertTrue(
          netXml.contains("<host mac='52:54:00:23:10:10' name='db01' ip='" + ip(10) + "'/>"),
          netXml);
      assertTrue(netXml.contains("https://virtd.io/xmlns/mark/1"), netXml);
      String poolXml = sh("virsh", "-c", URI, "pool-dumpxml", pool);
      assertTrue(poolXml.contains("<path>" + poolDir + "</path>"), poolXml);
      assertTrue(Files.isDirectory(poolDir), "the pool was built");
      assertTrue(sh("virsh", "-c", URI, "pool-info", pool).matches("(?s).*State:\\s+running.*"));
      String domXml = sh("virsh", "-c", URI, "dumpxml", "--inactive", guest);
      assertTrue(domXml.contains("<source network='" + net + "'"), domXml);
      assertTrue(domXml.contains("<source file='" + poolDir + "/"), domXml);

      Plan second = plan(drivers);
      assertFalse(second.hasChanges(), text(second));
      assertFalse(second.hasErrors(), text(second));
    }
  }

  @Test
  void aDhcpHostIsAddedAndRemovedLiveWithoutRestartingTheNetwork() throws Exception {
    writeNetwork("");
    try (Drivers drivers = new Drivers(config)) {
      assertEquals(0, apply(drivers, plan(drivers)).exitCode(), events.toString());
      String pid = dnsmasqPid();

      writeNetwork("");
      String added =
          Files.readString(manifests.resolve("net.yaml"))
              .replace(
                  "name: db01}\n",
                  "name: db01}\n    - {mac: \"52:54:00:23:10:11\", ip: " + ip(11) + "}\n");
      Files.writeString(manifests.resolve("net.yaml"), added);
      Plan p = plan(drivers);
      HostPlan h = p.hosts().get(0);
      HostStep.Update u = (HostStep.Update) h.steps().get(0);
      assertEquals("dhcp.hosts", u.changes().get(0).key());
      assertEquals(Mutability.LIVE, u.changes().get(0).mutability());
      assertEquals(0, apply(drivers, p).exitCode(), events.toString());
      assertEquals(pid, dnsmasqPid(), "dnsmasq kept running");
      String live = sh("virsh", "-c", URI, "net-dumpxml", net);
      assertTrue(live.contains("ip='" + ip(11) + "'"), live);
      String saved = sh("virsh", "-c", URI, "net-dumpxml", "--inactive", net);
      assertTrue(saved.contains("ip='" + ip(11) + "'"), saved);

      writeNetwork("");
      assertEquals(0, apply(drivers, plan(drivers)).exitCode(), events.toString());
      assertEquals(pid, dnsmasqPid(), "dnsmasq kept running");
      assertFalse(sh("virsh", "-c", URI, "net-dumpxml", net).contains(ip(11)));
      assertFalse(plan(drivers).hasChanges());
    }
  }

  @Test
  void aForwardChangeWithARunningGuestWaitsForRestartOnChange() throws Exception {
    writeNetwork("");
    writeGuest("ensure: running\n");
    try (Drivers drivers = new Drivers(config)) {
      assertEquals(0, apply(drivers, plan(drivers)).exitCode(), events.toString());
      Files.writeString(
          manifests.resolve("net.yaml"),
          Files.readString(manifests.resolve("net.yaml"))
              .replace("forward: nat", "forward: route"));
      Plan p = plan(drivers);
      HostPlan h = p.hosts().get(0);
      assertEquals(List.of("forward"), h.restartPending());
      assertEquals(List.of(guest), h.guests());
      assertTrue(
          text(p).contains("! restart required: forward (cuts off running guests: " + guest + ")"),
          text(p));
      Apply.Result r = apply(drivers, p);
      assertEquals(3, r.exitCode(), "a restart is pending");
      String xml = sh("virsh", "-c", URI, "net-dumpxml", net);
      assertTrue(xml.contains("<forward mode='nat'"), "not done without restart: on_change");

      Files.writeString(
          manifests.resolve("net.yaml"),
          Files.readString(manifests.resolve("net.yaml")) + "restart: on_change\n");
      Plan allowed = plan(drivers);
      assertTrue(allowed.hosts().get(0).has(io.virtd.core.plan.Step.Action.RESTART));
      assertEquals(0, apply(drivers, allowed).exitCode(), events.toString());
      assertTrue(sh("virsh", "-c", URI, "net-dumpxml", net).contains("<forward mode='route'"));
    }
  }

  @Test
  void absentIsRefusedForANetworkInUseAndAPoolHoldingADisk() throws Exception {
    writeNetwork("");
    writePool("");
    writeGuest("virt_path: " + poolDir + "\ndisk_size: 1\nensure: running\n");
    try (Drivers drivers = new Drivers(config)) {
      assertEquals(0, apply(drivers, plan(drivers)).exitCode(), events.toString());
      writeNetwork("ensure: absent\n");
      writePool("ensure: absent\n");
      Plan p = plan(drivers);
      for (HostPlan h : p.hosts()) {
        assertEquals(PlanError.Reason.IN_USE, h.failure().get().reason(), text(p));
        assertEquals(List.of(guest), h.failure().get().detail());
      }
      assertTrue(text(p).contains("is in use by " + guest), text(p));
      Apply.Result r = apply(drivers, p);
      assertEquals(2, r.failed().size(), r.failed().toString());
      sh("virsh", "-c", URI, "net-info", net);
      sh("virsh", "-c", URI, "pool-info", pool);
    }
  }

  @Test
  void absentRemovesAnUnusedNetworkAndPoolVirtdCreatedWithThePoolsEmptyDirectory()
      throws Exception {
    writeNetwork("");
    writePool("");
    try (Drivers drivers = new Drivers(config)) {
      assertEquals(0, apply(drivers, plan(drivers)).exitCode(), events.toString());
      assertTrue(Files.isDirectory(poolDir));
      writeNetwork("ensure: absent\n");
      writePool("ensure: absent\n");
      Plan p = plan(drivers);
      assertEquals(2, p.summary().remove(), text(p));
      Apply.Result r = apply(drivers, p);
      assertEquals(List.of(), r.failed(), events.toString());
      assertEquals(0, r.exitCode(), events.toString());
      assertFalse(sh("virsh", "-c", URI, "net-list", "--all", "--name").contains(net));
      assertFalse(sh("virsh", "-c", URI, "pool-list", "--all", "--name").contains(pool));
      assertFalse(Files.exists(poolDir), "the empty directory the pool made is gone");
      assertFalse(
          Files.exists(config.storageDir().resolve(PoolMarks.DIRECTORY).resolve(pool + ".mark")));
    }
  }
}
