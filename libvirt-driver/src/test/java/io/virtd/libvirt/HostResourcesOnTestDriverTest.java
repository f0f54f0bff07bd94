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
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.PoolSpec;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanError;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.PlanText;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.ObservedHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool types no machine here has devices for (logical, zfs), and networks of each forward mode,
 * planned and applied on libvirt's test driver: their XML is accepted, they are built and started,
 * read back as declared, and a second plan is empty.
 */
class HostResourcesOnTestDriverTest {
  @TempDir Path tmp;

  @Test
  void logicalAndZfsPoolsAndRoutedAndIsolatedNetworksApplyAndReadBackAsDeclared() throws Exception {
    Path m = Files.createDirectories(tmp.resolve("m"));
    Files.writeString(
        m.resolve("host.yaml"),
        """
        pool: vg-hr
        type: logical
        source: /dev/hr-a1,/dev/hr-b1
        autostart: true
        ---
        pool: tank-hr
        type: zfs
        source: tank
        ensure: stopped
        ---
        network: routed-hr
        forward: route
        ip: 10.231.3.1/24
        ---
        network: lab-hr
        forward: isolated
        ip: 10.231.4.1/24
        dhcp:
          range: 10.231.4.10-10.231.4.20
        """);
    Config config =
        Config.defaults()
            .withConnect("test:///default")
            .withLockDir(Files.createDirectories(tmp.resolve("locks")));
    DesiredState s = new ManifestLoader().load(m);
    assertEquals(List.of(), s.problems());
    List<ApplyEvent> events = new ArrayList<>();
    try (Drivers drivers = new Drivers(config)) {
      PlanPolicy policy = PlanPolicy.of(config.owner());
      Plan p = Planning.plan(List.of(), s.hostResources(), drivers, policy);
      assertEquals(4, p.summary().create(), PlanText.render(PlanJson.of(p)));
      Apply.Result r =
          Apply.run(
              p,
              drivers,
              new Executor(config.owner(), new GuestLocks(config.lockDir()), Duration.ofSeconds(5)),
              policy,
              events::add);
      assertEquals(List.of(), r.failed(), events.toString());
      assertEquals(List.of(), r.inconsistent(), events.toString());
      assertFalse(r.after().hasChanges(), PlanText.render(PlanJson.of(r.after())));

      var hosts = drivers.get(drivers.targetOf(s.pools().get("vg-hr"))).hostResources().get();
      Map<String, ObservedHost> pools = hosts.observe(HostSpec.Kind.POOL);
      assertEquals(PoolSpec.Type.LOGICAL, pools.get("vg-hr").values().get("type"));
      assertEquals("/dev/hr-a1,/dev/hr-b1", pools.get("vg-hr").values().get("source"));
      assertTrue(pools.get("vg-hr").active());
      assertEquals(true, pools.get("vg-hr").values().get("autostart"));
      assertFalse(pools.get("tank-hr").active());
      assertTrue(pools.get("tank-hr").mark().isPresent(), "the pool's mark is kept");
      var networks = hosts.observe(HostSpec.Kind.NETWORK);
      assertTrue(networks.get("routed-hr").active());
      assertTrue(networks.get("routed-hr").mark().isPresent(), "the network's mark is kept");

      // and removed again by the same manifests saying `ensure: absent`
      Files.writeString(
          m.resolve("host.yaml"),
          """
          pool: vg-hr
          type: logical
          ensure: absent
          ---
          pool: tank-hr
          type: zfs
          ensure: absent
          ---
          network: routed-hr
          ensure: absent
          ---
          network: lab-hr
          ensure: absent
          """);
      DesiredState gone = new ManifestLoader().load(m);
      Plan removal = Planning.plan(List.of(), gone.hostResources(), drivers, policy);
      assertEquals(4, removal.summary().remove(), PlanText.render(PlanJson.of(removal)));
      Apply.Result removed =
          Apply.run(
              removal,
              drivers,
              new Executor(config.owner(), new GuestLocks(config.lockDir()), Duration.ofSeconds(5)),
              policy,
              events::add);
      assertEquals(List.of(), removed.failed(), events.toString());
      assertTrue(
          hosts.observe(HostSpec.Kind.POOL).keySet().stream().noneMatch(n -> n.endsWith("-hr")));
      assertTrue(
          hosts.observe(HostSpec.Kind.NETWORK).keySet().stream().noneMatch(n -> n.endsWith("-hr")));
    }
  }

  @Test
  void aNetworkAndAPoolAGuestUsesThroughItsNicsAndDisksAreNotRemoved() throws Exception {
    Path m = Files.createDirectories(tmp.resolve("m"));
    Files.writeString(
        m.resolve("host.yaml"),
        """
        network: used-hr
        forward: isolated
        ip: 10.231.5.1/24
        ---
        pool: used-hr
        type: dir
        path: /tmp/used-hr
        ---
        virt: user-hr
        virt_type: kvm
        nics:
          - network: used-hr
            mac: "52:54:00:23:10:01"
        disks:
          - {size: 1, pool: used-hr}
        """);
    Config config =
        Config.defaults()
            .withConnect("test:///default")
            .withLockDir(Files.createDirectories(tmp.resolve("locks")));
    DesiredState s = new ManifestLoader().load(m);
    assertEquals(List.of(), s.problems());
    List<ApplyEvent> events = new ArrayList<>();
    try (Drivers drivers = new Drivers(config)) {
      PlanPolicy policy = PlanPolicy.of(config.owner());
      Executor executor =
          new Executor(config.owner(), new GuestLocks(config.lockDir()), Duration.ofSeconds(5));
      Plan p = Planning.plan(s.resources().values(), s.hostResources(), drivers, policy);
      Apply.Result r = Apply.run(p, drivers, executor, policy, events::add);
      assertEquals(List.of(), r.failed(), events.toString());
      assertFalse(r.after().hasChanges(), PlanText.render(PlanJson.of(r.after())));

      var hosts = drivers.get(drivers.targetOf(s.pools().get("used-hr"))).hostResources().get();
      assertEquals(List.of("user-hr"), hosts.observe(HostSpec.Kind.NETWORK).get("used-hr").users());
      assertEquals(List.of("user-hr"), hosts.observe(HostSpec.Kind.POOL).get("used-hr").users());

      Files.writeString(
          m.resolve("host.yaml"),
          """
          network: used-hr
          ensure: absent
          ---
          pool: used-hr
          type: dir
          path: /tmp/used-hr
          ensure: absent
          """);
      DesiredState gone = new ManifestLoader().load(m);
      assertEquals(List.of(), gone.problems());
      Plan removal = Planning.plan(List.of(), gone.hostResources(), drivers, policy);
      assertEquals(0, removal.summary().remove(), PlanText.render(PlanJson.of(removal)));
      for (var h : removal.hosts()) {
        assertEquals(PlanError.Reason.IN_USE, h.failure().orElseThrow().reason());
        assertEquals(List.of("user-hr"), h.failure().get().detail());
      }
      assertEquals(2, removal.hosts().size());
      Apply.run(removal, drivers, executor, policy, events::add);
      assertTrue(hosts.observe(HostSpec.Kind.NETWORK).containsKey("used-hr"));
      assertTrue(hosts.observe(HostSpec.Kind.POOL).containsKey("used-hr"));
    }
  }
}
