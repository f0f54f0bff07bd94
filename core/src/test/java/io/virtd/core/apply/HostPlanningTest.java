package io.virtd.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanError;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.spi.Drivers;
import io.virtd.core.testing.FakeDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Networks and pools on a target whose driver manages guests only: a plan error at the document,
 * the guests planned as before, nothing applied for them.
 */
class HostPlanningTest {
  @TempDir Path dir;

  @Test
  void aNetworkForADriverWithoutNetworksIsAnErrorAtItsDocumentAndGuestsArePlannedAsBefore()
      throws Exception {
    FakeDriver fake = new FakeDriver();
    Path f = dir.resolve("m.yaml");
    Files.writeString(
        f,
        "virt: web01\nvirt_type: kvm\ninterfaces: [anything]\n---\n\nnetwork: backend\n"
            + "---\npool: fast\ntype: dir\npath: /srv/fast\n");
    DesiredState s = new ManifestLoader().load(f);
    assertEquals(List.of(), s.problems());
    try (Drivers drivers = new Drivers(Config.defaults(), List.of(fake.factory()))) {
      Plan p =
          Planning.plan(s.resources().values(), s.hostResources(), drivers, PlanPolicy.of("host1"));
      assertEquals(2, p.hosts().size());
      for (var h : p.hosts()) {
        assertEquals(PlanError.Reason.NO_HOST_RESOURCES, h.failure().get().reason());
      }
      assertTrue(
          p.hosts().get(0).error().get().startsWith(f + ":6:1: the libvirt driver manages guests"),
          p.hosts().get(0).error().get());
      // a driver without networks: the guest's interfaces are not checked against any
      assertTrue(p.resources().get(0).failure().isEmpty(), p.resources().toString());
      assertEquals(2, p.summary().errors());
      assertTrue(p.hasErrors());
    }
  }

  @Test
  void aNetworkOnAHostWithoutLibvirtIsAnErrorAtItsDocument() throws Exception {
    Path f = dir.resolve("m.yaml");
    Files.writeString(f, "network: backend\n");
    DesiredState s = new ManifestLoader().load(f);
    try (Drivers drivers = new Drivers(Config.defaults(), List.of())) {
      Plan p = Planning.plan(List.of(), s.hostResources(), drivers, PlanPolicy.of("host1"));
      String error = p.hosts().get(0).error().get();
      assertTrue(error.startsWith(f + ":1:1: the libvirt driver is not available"), error);
    }
  }
}
