package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.core.plan.PlanJson;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON plan shows each observed guest's addresses (read for it: a text plan does not read
 * them), on libvirt's test:///default, whose sample guest runs with one NIC and a lease.
 */
class PlanAddressesTest {
  @TempDir Path dir;

  @Test
  void theJsonPlanShowsTheRunningGuestsLeaseAddress() throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("virtd.yaml"),
            "owner: pa\nlock_dir: " + dir + "/locks\nstorage_dir: " + dir + "/storage\n");
    Path m = Files.createDirectories(dir.resolve("m"));
    Files.writeString(m.resolve("test.yaml"), "virt: test\nvirt_type: kvm\nensure: running\n");
    Cli json =
        Cli.run(
            "plan",
            "--json",
            "--config",
            config.toString(),
            "--connect",
            "test:///default",
            "-m",
            m.toString());
    assertEquals(2, json.exit(), json.err()); // changes: the guest is adopted
    JsonNode observed =
        PlanJson.mapper().readTree(json.out()).get("resources").get(0).get("observed");
    assertEquals("running", observed.get("state").asText());
    JsonNode a = observed.get("addresses").get(0);
    assertEquals("aa:bb:cc:dd:ee:ff", a.get("mac").asText());
    assertEquals("lease", a.get("source").asText());
    assertEquals(24, a.get("prefix").asInt());
  }
}
