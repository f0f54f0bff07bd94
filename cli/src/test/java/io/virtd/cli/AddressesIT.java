package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bootable test guest on a libvirt NAT network made for the test: its init asks DHCP for an
 * address, and {@code virtctl list} shows that lease (source {@code lease}) within seconds of the
 * boot; {@code export} of the running guest plans nothing but what it is. Under TCG ({@code
 * virt_type: qemu}).
 */
class AddressesIT {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  final String tag = UUID.randomUUID().toString().substring(0, 6);
  final String prefix = "virtd-it-ad-" + tag + "-";
  final String network = "virtd-it-ad-net-" + tag;
  final Path root = ItRoot.of(prefix);
  Path config;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Virsh.available(), "no libvirtd at qemu:///system");
    ItRoot.create(root);
    config = ItRoot.config(root, "owner: it-addresses\n");
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      ItRoot.remove(prefix, root);
    } finally {
      if (Virsh.available()) {
        Virsh.run("net-destroy", network);
      }
    }
  }

  @Test
  void theGuestsDhcpLeaseIsListedWithItsSourceSecondsAfterBoot() throws Exception {
    int subnet = 100 + (int) (Long.parseLong(tag, 16) % 150); // 10.232.100–249.0/24
    Path netXml = root.resolve("net.xml");
    Files.writeString(
        netXml,
        """
        <network><name>%s</name><forward mode='nat'/><bridge name='vad%d' stp='on' delay='0'/>
        <ip address='10.232.%d.1' netmask='255.255.255.0'>
        <dhcp><range start='10.232.%d.100' end='10.232.%d.200'/></dhcp></ip></network>
        """
            .formatted(network, subnet, subnet, subnet, subnet));
    Virsh.run("net-create", netXml.toString()); // transient: gone with net-destroy
    assumeTrue(
        Virsh.run("net-list", "--name").lines().anyMatch(l -> l.strip().equals(network)),
        "the network did not start (dnsmasq-base and iptables before libvirtd?)");

    Path kernel = Path.of(guestBuild());
    String name = prefix + "dhcp";
    Path manifests = root.resolve("m");
    Files.writeString(
        manifests.resolve("g.yaml"),
        """
        virt: %s
        virt_type: qemu
        memory: 256MiB
        cpus: 1
        boot_location: %s
        boot_options: console=ttyS0
        interfaces: [%s]
        ensure: running
        """
            .formatted(name, kernel, network));
    Cli apply = cli("apply", "-m", manifests.toString());
    assertEquals(0, apply.exit(), apply.out() + apply.err());
    long booted = System.nanoTime();

    JsonNode guest = null;
    Path console = Path.of("/var/log/libvirt/qemu", name + "-console.log");
    long up = 0;
    long deadline = booted + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (up == 0
          && Files.isReadable(console)
          && Files.readString(console).contains("virtd-guest: dhcp on eth0")) {
        up = System.nanoTime();
      }
      Cli list = cli("list", "--json", "-m", manifests.toString());
      assertEquals(0, list.exit(), list.out() + list.err());
      guest = PlanJson.mapper().readTree(list.out()).get("guests").get(0);
      if (guest.get("addresses").isArray() && guest.get("addresses").size() > 0) {
        break;
      }
      Thread.sleep(250);
    }
    long seen = System.nanoTime();
    double seconds = (seen - booted) / 1e9;
    double afterBoot = up == 0 ? -1 : (seen - up) / 1e9;
    System.out.printf(
        "lease listed %.1f s after apply started the guest, %.1f s after its init asked DHCP%n",
        seconds, afterBoot);
    JsonNode a = guest.get("addresses").get(0);
    assertEquals("lease", a.get("source").asText(), guest.toString());
    assertTrue(a.get("ip").asText().startsWith("10.232." + subnet + "."), guest.toString());
    assertEquals(24, a.get("prefix").asInt());
    assertTrue(up > 0, "the guest's console never said it asked DHCP");
    assertTrue(afterBoot < 10, "the lease showed " + afterBoot + " s after the guest asked DHCP");
    assertEquals("running", guest.get("state").asText());
    assertEquals(true, guest.get("in_sync").asBoolean(), guest.toString());

    Cli text = cli("list", "-m", manifests.toString());
    assertTrue(text.out().contains(a.get("ip").asText() + "/24 (lease)"), text.out() + text.err());

    Cli export = cli("export", name);
    assertEquals(0, export.exit(), export.err());
    Path exported = Files.createDirectories(root.resolve("exported"));
    Files.writeString(exported.resolve("g.yaml"), export.out());
    Cli plan = cli("plan", "--json", "-m", exported.toString());
    JsonNode r = PlanJson.mapper().readTree(plan.out()).get("resources").get(0);
    assertEquals(0, r.get("actions").size(), export.out() + plan.out() + plan.err());
    assertEquals(0, r.get("recreate_required").size(), plan.out());
  }

  @Test
  void guestAgentGivesTheChannelOnceAndRemovingItWaitsForARestart() throws Exception {
    String name = prefix + "agent";
    Path manifests = root.resolve("m");
    Path g = manifests.resolve("agent.yaml");
    String text =
        "virt: %s\nvirt_type: qemu\nmemory: 64\nguest_agent: true\nensure: running\n"
            .formatted(name);
    Files.writeString(g, text);
    Cli apply = cli("apply", "-m", manifests.toString());
    assertEquals(0, apply.exit(), apply.out() + apply.err());
    String xml = Virsh.run("dumpxml", "--inactive", name);
    assertEquals(1, xml.split("name='org.qemu.guest_agent.0'", -1).length - 1, xml);
    Cli again = cli("plan", "-m", manifests.toString());
    assertEquals(0, again.exit(), again.out());

    Files.writeString(g, text.replace("guest_agent: true", "guest_agent: false"));
    Cli plan = cli("plan", "--json", "-m", manifests.toString());
    JsonNode change = PlanJson.mapper().readTree(plan.out()).get("resources").get(0);
    assertEquals("guest_agent", change.get("changes").get(0).get("field").asText(), plan.out());
    assertEquals("restart required", change.get("changes").get(0).get("apply").asText());
  }

  private Cli cli(String cmd, String... args) {
    List<String> argv =
        new java.util.ArrayList<>(
            List.of(cmd, "--config", config.toString(), "--connect", "qemu:///system"));
    argv.addAll(List.of(args));
    return Cli.run(argv.toArray(String[]::new));
  }

  private static String guestBuild() throws Exception {
    Commands.Result r =
        Commands.run(
            List.of(
                "bash", REPO.resolve("libvirt-driver/src/test/guest/build-guest.sh").toString()),
            Duration.ofMinutes(10));
    assertEquals(0, r.exit(), r.err());
    return r.out().strip().lines().reduce((x, y) -> y).orElseThrow();
  }
}
