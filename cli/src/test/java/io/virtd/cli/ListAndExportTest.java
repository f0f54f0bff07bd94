package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.core.plan.PlanJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code virtctl list} and {@code virtctl export} against libvirt's test:///default. */
class ListAndExportTest {
  @TempDir Path dir;
  Path config;

  @BeforeEach
  void config() throws Exception {
    config =
        Files.writeString(
            dir.resolve("virtd.yaml"),
            "owner: lx\nlock_dir: " + dir + "/locks\nstorage_dir: " + dir + "/storage\n");
  }

  private Path manifest(String name, String text) throws Exception {
    Path m = dir.resolve("m-" + name);
    Files.createDirectories(m);
    Files.writeString(m.resolve(name + ".yaml"), text);
    return m;
  }

  private Cli list(Path manifests, String connect, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "list",
                "--config",
                config.toString(),
                "--connect",
                connect,
                "-m",
                manifests.toString()));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void listShowsEachGuestWithItsLeaseAddressAsTheContractsColumnsAndJson() throws Exception {
    Path m = manifest("t", "virt: test\nvirt_type: kvm\nensure: running\n");
    Cli text = list(m, "test:///default");
    assertEquals(0, text.exit(), text.err());
    assertTrue(
        text.out()
            .lines()
            .findFirst()
            .orElseThrow()
            .matches("NAME +HYPERVISOR +DESIRED +STATE +SYNC +RESTART +ADDRESSES"),
        text.out());
    assertTrue(
        text.out()
            .lines()
            .anyMatch(
                l ->
                    l.matches(
                        "test +libvirt test:///default +running +running +\\d+ pending +-"
                            + " +192\\.168\\.122\\.3/24 \\(lease\\)")),
        text.out());

    Cli json = list(m, "test:///default", "--json");
    assertEquals(0, json.exit(), json.err());
    JsonNode doc = PlanJson.mapper().readTree(json.out());
    assertEquals(1, doc.get("format_version").asInt());
    assertEquals(0, doc.get("unreadable").size());
    JsonNode g = doc.get("guests").get(0);
    assertEquals(
        Set.of(
            "name",
            "hypervisor",
            "managed",
            "desired",
            "state",
            "in_sync",
            "pending_changes",
            "restart_pending",
            "addresses",
            "error"),
        names(g));
    assertEquals("running", g.get("state").asText());
    assertEquals(false, g.get("in_sync").asBoolean()); // not adopted yet
    JsonNode a = g.get("addresses").get(0);
    assertEquals("aa:bb:cc:dd:ee:ff", a.get("mac").asText());
    assertEquals("192.168.122.3", a.get("ip").asText());
    assertEquals(24, a.get("prefix").asInt());
    assertEquals("lease", a.get("source").asText());
  }

  @Test
  void listExitsOneWhenAHypervisorCannotBeReadAndShowsItsGuestsAsUnknown() throws Exception {
    Path m = manifest("u", "virt: lx-unread\nvirt_type: kvm\n");
    Cli json = list(m, "qemu+tcp://127.0.0.9:1/system", "--json");
    assertEquals(1, json.exit(), json.out() + json.err());
    JsonNode doc = PlanJson.mapper().readTree(json.out());
    assertEquals("libvirt qemu+tcp://127.0.0.9:1/system", doc.get("unreadable").get(0).asText());
    JsonNode g = doc.get("guests").get(0);
    assertEquals("unknown", g.get("state").asText());
    assertTrue(g.get("addresses").isNull());
    assertTrue(g.get("in_sync").isNull());
    assertTrue(g.get("error").isTextual());
  }

  @Test
  void listAllAddsTheGuestsNoManifestNamesAsUnmanaged() throws Exception {
    Path m = manifest("a", "virt: lx-missing\nvirt_type: kvm\nensure: stopped\n");
    Cli only = list(m, "test:///default", "--json");
    Cli all = list(m, "test:///default", "--all", "--json");
    assertEquals(0, all.exit(), all.err());
    assertEquals(1, PlanJson.mapper().readTree(only.out()).get("guests").size());
    JsonNode guests = PlanJson.mapper().readTree(all.out()).get("guests");
    assertEquals("missing", guests.get(0).get("state").asText());
    boolean found = false;
    for (JsonNode g : guests) {
      if (g.get("name").asText().equals("test")) {
        found = true;
        assertEquals("unmanaged", g.get("desired").asText());
        assertEquals(false, g.get("managed").asBoolean());
      }
    }
    assertTrue(found, all.out());
  }

  @Test
  void listAllShowsTheNetworksAndPoolsDeclaredOrNot() throws Exception {
    Path m =
        manifest(
            "h",
            "virt: lx-missing\nvirt_type: kvm\nensure: stopped\n---\n"
                + "network: lx-net\nforward: isolated\nip: 10.231.9.1/24\n");
    Cli text = list(m, "test:///default", "--all");
    assertEquals(0, text.exit(), text.err());
    List<String> lines = text.out().lines().toList();
    assertTrue(
        lines.stream()
            .anyMatch(
                l ->
                    l.matches("network/default +libvirt test:///default +unmanaged +active +- .*")),
        text.out());
    assertTrue(
        lines.stream()
            .anyMatch(
                l -> l.matches("pool/default-pool +libvirt test:///default +unmanaged +active .*")),
        text.out());
    assertTrue(
        lines.stream()
            .anyMatch(
                l ->
                    l.matches(
                        "network/lx-net +libvirt test:///default +running +missing +2 pending .*")),
        text.out());
    Cli only = list(m, "test:///default");
    assertTrue(!only.out().contains("network/"), only.out());
  }

  @Test
  void exportThenPlanOfTheOutputAdoptsAndChangesNothingForEveryKindOfGuest() throws Exception {
    String kinds =
        """
        virt: lx-exp-plain
        virt_type: kvm
        ensure: stopped
        ---
        virt: lx-exp-full
        virt_type: kvm
        ensure: running
        memory: 768MiB
        max_memory: 1GiB
        cpus: 2
        max_cpus: 4
        desc: "a <described> & \\"quoted\\" guest\\nover two lines"
        autoboot: true
        on_crash: restart
        on_reboot: destroy
        graphics: enable
        clocksync: localtime
        interfaces: [default]
        network_model: e1000
        ---
        virt: lx-exp-agent
        virt_type: qemu
        ensure: running
        guest_agent: true
        arch: x86_64
        ---
        virt: lx-exp-mac
        virt_type: kvm
        ensure: stopped
        nics:
          - network: default
            mac: "52:54:00:23:20:01"
        """;
    Path created = manifest("k", kinds);
    Files.copy(
        Path.of("..", "manifests", "libvirt", "store01.yaml").toAbsolutePath().normalize(),
        created.resolve("store01.yaml"));
    // test:///default keeps its guests while a connection to it is open in this process
    org.libvirt.Connect keep = new org.libvirt.Connect("test:///default");
    try {
      roundTrip(created);
    } finally {
      keep.close();
    }
  }

  /** The document of {@code name} among the exported ones. */
  private static String document(String exported, String name) {
    for (String d : exported.split("(?m)^---$")) {
      if (d.strip().startsWith("virt: \"" + name + "\"")) {
        return d;
      }
    }
    throw new AssertionError("no document for " + name + " in\n" + exported);
  }

  private void roundTrip(Path created) throws Exception {
    Cli apply =
        Cli.run(
            "apply",
            "--config",
            config.toString(),
            "--connect",
            "test:///default",
            "-m",
            created.toString());
    assertEquals(0, apply.exit(), apply.out() + apply.err());

    Cli export =
        Cli.run(
            "export",
            "--config",
            config.toString(),
            "--connect",
            "test:///default",
            "test",
            "lx-exp-plain",
            "lx-exp-full",
            "lx-exp-agent",
            "lx-exp-mac",
            "store01");
    assertEquals(0, export.exit(), export.err());
    assertTrue(export.out().contains("guest_agent: true"), export.out());
    String mac = document(export.out(), "lx-exp-mac");
    assertTrue(mac.contains("\"52:54:00:23:20:01\""), mac);
    assertTrue(!mac.contains("interfaces:"), mac);
    String store = document(export.out(), "store01");
    assertTrue(store.contains("disks:") && store.contains("nics:"), store);
    for (String single : List.of("virt_path:", "image:", "disk_size:", "interfaces:")) {
      assertTrue(!store.contains("\n" + single), store);
    }
    assertTrue(store.contains("\"sda\"") && store.contains("\"scsi\""), store);
    assertTrue(store.contains("\"store01-data\"") && store.contains("\"down\""), store);
    assertTrue(!store.contains("pool:"), "storage_dir's pool goes without saying: " + store);
    Path exported = manifest("exported", export.out());
    List<JsonNode> resources = plannedResources(exported);
    assertEquals(6, resources.size(), resources.toString());
    for (JsonNode r : resources) {
      String name = r.get("name").asText();
      assertEquals(
          name.equals("test") ? Set.of("adopt") : Set.of(), Set.copyOf(actions(r)), r.toString());
      assertEquals(0, r.get("recreate_required").size(), r.toString());
    }
  }

  @Test
  void exportOfANetworkAndAPoolPlansNothingButAdopt() throws Exception {
    Cli export =
        Cli.run(
            "export",
            "--config",
            config.toString(),
            "--connect",
            "test:///default",
            "network/default",
            "pool/default-pool");
    assertEquals(0, export.exit(), export.err());
    assertTrue(export.out().startsWith("network: \"default\"\n"), export.out());
    assertTrue(export.out().contains("\npool: \"default-pool\"\n"), export.out());
    assertTrue(export.out().contains("dhcp:\n  range: "), export.out());
    Path exported = manifest("hosts", export.out());
    List<JsonNode> resources = plannedResources(exported);
    assertEquals(2, resources.size(), resources.toString());
    for (JsonNode r : resources) {
      assertEquals(List.of("adopt"), actions(r), export.out() + r);
    }
    Cli missing =
        Cli.run(
            "export",
            "--config",
            config.toString(),
            "--connect",
            "test:///default",
            "pool/lx-nowhere");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("no pool `lx-nowhere`"), missing.err());
  }

  @Test
  void exportOfAMissingGuestExitsOne() {
    Cli export =
        Cli.run(
            "export", "--config", config.toString(), "--connect", "test:///default", "lx-nobody");
    assertEquals(1, export.exit());
    assertTrue(export.err().contains("no guest `lx-nobody`"), export.err());
  }

  @Test
  void theJsonPlanShowsTheRunningGuestsLeaseAddress() throws Exception {
    Path m = manifest("pa", "virt: test\nvirt_type: kvm\nensure: running\n");
    JsonNode observed = plannedResources(m).get(0).get("observed");
    assertEquals("running", observed.get("state").asText());
    JsonNode a = observed.get("addresses").get(0);
    assertEquals("aa:bb:cc:dd:ee:ff", a.get("mac").asText());
    assertEquals("lease", a.get("source").asText());
    assertEquals(24, a.get("prefix").asInt());
  }

  /**
   * The resources {@code virtctl plan --json} finds in {@code manifests} on the test driver, each
   * checked to have been planned without an error.
   */
  private List<JsonNode> plannedResources(Path manifests) throws Exception {
    Cli plan =
        Cli.run(
            "plan",
            "--json",
            "--config",
            config.toString(),
            "--connect",
            "test:///default",
            "-m",
            manifests.toString());
    JsonNode doc = PlanJson.mapper().readTree(plan.out());
    assertTrue(doc.has("resources"), plan.out() + plan.err());
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : doc.get("resources")) {
      assertTrue(r.get("error").isNull(), plan.out());
      out.add(r);
    }
    return out;
  }

  private static List<String> actions(JsonNode resource) {
    List<String> out = new ArrayList<>();
    resource.get("actions").forEach(a -> out.add(a.asText()));
    return out;
  }

  private static Set<String> names(JsonNode n) {
    Set<String> out = new TreeSet<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
