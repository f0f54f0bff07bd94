package io.virtd.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.NetworkSpec;
import io.virtd.core.manifest.PoolSpec;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.OwnershipMark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How networks and pools are planned beside guests: each decision of the contract. */
class HostPlannerTest {
  private static final String OWNER = "host1";
  private static final String DRIVER = "libvirt qemu:///system";

  @TempDir Path dir;

  private DesiredState load(String yaml) throws Exception {
    Path f = dir.resolve("m.yaml");
    Files.writeString(f, yaml);
    DesiredState s = new ManifestLoader().load(f);
    assertEquals(List.of(), s.errors());
    return s;
  }

  private NetworkSpec network(String yaml) throws Exception {
    return load(yaml).networks().values().iterator().next();
  }

  private static Optional<OwnershipMark> mark(OwnershipMark.Origin origin) {
    return Optional.of(new OwnershipMark(OWNER, origin, "", ""));
  }

  private static ObservedHost backend(
      boolean active, Map<String, Object> values, List<String> users) {
    return new ObservedHost(
        HostSpec.Kind.NETWORK,
        "backend",
        active,
        values,
        mark(OwnershipMark.Origin.CREATED),
        users);
  }

  private static HostPlan plan(HostSpec spec, Optional<ObservedHost> found) {
    return HostPlanner.plan(HostPlanner.Input.of(spec, DRIVER, found), PlanPolicy.of(OWNER));
  }

  private static Map<String, Object> nat(String ip) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("forward", NetworkSpec.Forward.NAT);
    m.put("ip", new NetworkSpec.Ip(ip, 24));
    return m;
  }

  @Test
  void aMissingNetworkIsCreatedAndStarted() throws Exception {
    HostPlan p = plan(network("network: backend\nip: 10.0.0.1/24\n"), Optional.empty());
    assertEquals(
        List.of(new HostStep.Create(), new HostStep.Lifecycle(Step.Action.START)), p.steps());
  }

  @Test
  void aMatchingNetworkHasNothingToDoWhateverTheOrderOfItsHosts() throws Exception {
    NetworkSpec spec =
        network(
            """
            network: backend
            forward: nat
            ip: 10.0.0.1/24
            dhcp:
              hosts:
                - {mac: "52:54:00:00:00:01", ip: 10.0.0.11}
                - {mac: "52:54:00:00:00:02", ip: 10.0.0.12}
            """);
    Map<String, Object> v = nat("10.0.0.1");
    v.put("dhcp.hosts", List.of(spec.hosts().get().get(1), spec.hosts().get().get(0)));
    assertEquals(List.of(), plan(spec, Optional.of(backend(true, v, List.of()))).steps());
  }

  @Test
  void dhcpHostsChangeLiveOnARunningNetwork() throws Exception {
    NetworkSpec spec =
        network(
            """
            network: backend
            ip: 10.0.0.1/24
            dhcp:
              hosts:
                - {mac: "52:54:00:00:00:01", ip: 10.0.0.11, name: db01}
            """);
    HostPlan p = plan(spec, Optional.of(backend(true, nat("10.0.0.1"), List.of("web01"))));
    HostStep.Update u = (HostStep.Update) p.steps().get(0);
    assertEquals(1, p.steps().size());
    assertEquals("dhcp.hosts", u.changes().get(0).key());
    assertEquals(Mutability.LIVE, u.changes().get(0).mutability());
    assertEquals(List.of(), p.restartPending());
  }

  @Test
  void anAddressChangeOnARunningNetworkWaitsAndNamesItsGuests() throws Exception {
    NetworkSpec spec = network("network: backend\nforward: route\nip: 10.0.0.1/24\n");
    HostPlan p = plan(spec, Optional.of(backend(true, nat("10.0.0.1"), List.of("web01"))));
    assertEquals(List.of(), p.steps());
    assertEquals(List.of("forward"), p.restartPending());
    assertEquals(List.of("web01"), p.guests());
    assertTrue(p.hasChanges());
    String text = PlanText.render(PlanJson.of(new Plan(List.of(), List.of(p))));
    assertTrue(
        text.contains(
            "network/backend (libvirt qemu:///system)\n"
                + "  ! restart required: forward (cuts off running guests: web01)"),
        text);
    assertTrue(text.contains("(not done without `restart: on_change`)"), text);
    assertTrue(text.contains("1 restart pending."), text);
  }

  @Test
  void withRestartOnChangeTheNetworkIsRewrittenAndRestarted() throws Exception {
    NetworkSpec spec =
        network("network: backend\nforward: route\nip: 10.0.0.1/24\nrestart: on_change\n");
    HostPlan p = plan(spec, Optional.of(backend(true, nat("10.0.0.1"), List.of("web01"))));
    assertEquals(
        List.of(
            new HostStep.Update(
                List.of(
                    new HostChange(
                        "forward",
                        NetworkSpec.Forward.NAT,
                        NetworkSpec.Forward.ROUTE,
                        Mutability.RESTART))),
            new HostStep.Lifecycle(Step.Action.RESTART)),
        p.steps());
  }

  @Test
  void onAStoppedNetworkTheDefinitionIsWrittenWithoutARestart() throws Exception {
    NetworkSpec spec = network("network: backend\nip: 10.0.0.2/24\nensure: stopped\n");
    HostPlan p = plan(spec, Optional.of(backend(false, nat("10.0.0.1"), List.of())));
    HostStep.Update u = (HostStep.Update) p.steps().get(0);
    assertEquals(Mutability.CONFIG, u.changes().get(0).mutability());
    assertEquals(List.of(), p.restartPending());
  }

  @Test
  void absentIsRefusedWhileARunningGuestUsesTheNetwork() throws Exception {
    NetworkSpec spec = network("network: backend\nensure: absent\n");
    HostPlan p = plan(spec, Optional.of(backend(true, nat("10.0.0.1"), List.of("web01"))));
    assertEquals(PlanError.Reason.IN_USE, p.failure().get().reason());
    assertEquals(List.of("web01"), p.failure().get().detail());
    assertTrue(p.error().get().contains(":2:1: `ensure: absent`"), p.error().get());
    assertTrue(p.error().get().contains("in use by web01"), p.error().get());
  }

  @Test
  void absentRemovesOnlyWhatVirtdCreated() throws Exception {
    NetworkSpec spec = network("network: backend\nensure: absent\n");
    ObservedHost adopted =
        new ObservedHost(
            HostSpec.Kind.NETWORK,
            "backend",
            false,
            Map.of(),
            mark(OwnershipMark.Origin.ADOPTED),
            List.of());
    assertEquals(
        PlanError.Reason.NOT_CREATED, plan(spec, Optional.of(adopted)).failure().get().reason());
    assertEquals(
        List.of(new HostStep.Remove()),
        plan(spec, Optional.of(backend(false, Map.of(), List.of()))).steps());
  }

  @Test
  void aPoolHoldingAGuestsDiskIsNotRemoved() throws Exception {
    PoolSpec spec =
        load("pool: fast\ntype: dir\npath: /srv/fast\nensure: absent\n").pools().get("fast");
    ObservedHost found =
        new ObservedHost(
            HostSpec.Kind.POOL,
            "fast",
            true,
            Map.of("type", PoolSpec.Type.DIR, "path", "/srv/fast"),
            mark(OwnershipMark.Origin.CREATED),
            List.of("db01"));
    assertEquals(PlanError.Reason.IN_USE, plan(spec, Optional.of(found)).failure().get().reason());
  }

  @Test
  void aPoolsTypeIsCreateTimeAndNeverActedOn() throws Exception {
    PoolSpec spec = load("pool: fast\ntype: dir\npath: /srv/fast\n").pools().get("fast");
    ObservedHost found =
        new ObservedHost(
            HostSpec.Kind.POOL,
            "fast",
            true,
            Map.of("type", PoolSpec.Type.FS, "path", "/srv/fast"),
            mark(OwnershipMark.Origin.CREATED),
            List.of());
    HostPlan p = plan(spec, Optional.of(found));
    assertEquals(List.of(), p.steps());
    assertEquals("type", p.recreateRequired().get(0).key());
  }

  @Test
  void anUnmarkedNetworkIsAdopted() throws Exception {
    NetworkSpec spec = network("network: backend\n");
    ObservedHost found =
        new ObservedHost(
            HostSpec.Kind.NETWORK, "backend", true, Map.of(), Optional.empty(), List.of());
    assertEquals(List.of(new HostStep.Adopt()), plan(spec, Optional.of(found)).steps());
  }

  @Test
  void aGuestNamingAnUnknownNetworkIsAnErrorAtItsKeyAndNetworksComeFirst() throws Exception {
    DesiredState s =
        load(
            """
            network: backend
            ---
            virt: web01
            virt_type: kvm
            interfaces: [backend, br0, nowhere]
            """);
    VmSpec web = s.resources().get("web01");
    HostSpec net = s.networks().get("backend");
    Map<String, HostPlanner.View> views =
        Map.of(
            DRIVER,
            new HostPlanner.View(
                Set.of("default", "backend"), Set.of(), Optional.of(Set.of("br0"))));
    Plan p =
        Planner.plan(
            List.of(
                Planner.Input.of(
                    web,
                    DRIVER,
                    Capabilities.builder().restUnsupported().build(),
                    Optional.empty())),
            List.of(HostPlanner.Input.of(net, DRIVER, Optional.empty())),
            views,
            PlanPolicy.of(OWNER));
    PlanError e = p.resources().get(0).failure().get();
    assertEquals(PlanError.Reason.UNKNOWN_NETWORK, e.reason());
    assertTrue(
        p.resources()
            .get(0)
            .error()
            .get()
            .contains("m.yaml:5:1: no network or host bridge `nowhere`"),
        p.resources().get(0).error().get());
    JsonNode json = PlanJson.of(p);
    assertEquals("network/backend", json.get("resources").get(0).get("address").asText());
    assertEquals("virt/web01", json.get("resources").get(1).get("address").asText());
    assertEquals(1, json.get("summary").get("create").asInt());
    assertEquals(1, json.get("summary").get("errors").asInt());
  }

  private static ResourcePlan planGuest(VmSpec guest, HostPlanner.View view) {
    Plan p =
        Planner.plan(
            List.of(
                Planner.Input.of(
                    guest,
                    DRIVER,
                    Capabilities.builder().restUnsupported().build(),
                    Optional.empty())),
            List.of(),
            Map.of(DRIVER, view),
            PlanPolicy.of(OWNER));
    return p.resources().get(0);
  }

  @Test
  void aNicNamingAnUnknownNetworkIsAnErrorAtThatItemsKey() throws Exception {
    VmSpec web =
        load("""
                virt: web01
                virt_type: kvm
                nics:
                  - network: default
                  - bridge: br0
                  - model: e1000
                    network: nowhere
                """)
            .resources()
            .get("web01");
    ResourcePlan r =
        planGuest(
            web, new HostPlanner.View(Set.of("default"), Set.of(), Optional.of(Set.of("br0"))));
    assertEquals(PlanError.Reason.UNKNOWN_NETWORK, r.failure().get().reason());
    assertTrue(r.error().get().contains("m.yaml:7:5: no network"), r.error().get());
  }

  @Test
  void aNicsNetworkIsNotSatisfiedByAHostBridgeOfThatName() throws Exception {
    VmSpec web =
        load("virt: web01\nvirt_type: kvm\nnics:\n  - network: br0\n").resources().get("web01");
    ResourcePlan r =
        planGuest(web, new HostPlanner.View(Set.of(), Set.of(), Optional.of(Set.of("br0"))));
    assertEquals(PlanError.Reason.UNKNOWN_NETWORK, r.failure().get().reason());
    assertTrue(r.error().get().contains("m.yaml:4:5:"), r.error().get());
  }

  @Test
  void aDiskNamingAnUnknownPoolIsAnErrorAtThatItemsKeyAndADeclaredOneIsKnown() throws Exception {
    VmSpec db =
        load("""
                virt: db01
                virt_type: kvm
                disks:
                  - {size: 1, pool: fast}
                  - size: 2
                    pool: slow
                """)
            .resources()
            .get("db01");
    ResourcePlan r =
        planGuest(db, new HostPlanner.View(Set.of(), Set.of("fast"), Optional.of(Set.of())));
    assertEquals(PlanError.Reason.UNKNOWN_POOL, r.failure().get().reason());
    assertTrue(r.error().get().contains("m.yaml:6:5:"), r.error().get());
    assertTrue(r.error().get().contains("`slow`"), r.error().get());
    ResourcePlan known =
        planGuest(
            db, new HostPlanner.View(Set.of(), Set.of("fast", "slow"), Optional.of(Set.of())));
    assertTrue(known.failure().isEmpty(), known.error().orElse(""));
  }

  @Test
  void aNetworkOnATargetWithoutNetworksIsAnErrorAtItsDocument() throws Exception {
    HostSpec net = network("network: backend\n");
    HostPlan p =
        HostPlanner.plan(HostPlanner.Input.unsupported(net, "openvz local"), PlanPolicy.of(OWNER));
    assertEquals(PlanError.Reason.NO_HOST_RESOURCES, p.failure().get().reason());
    assertTrue(
        p.error()
            .get()
            .endsWith(
                "m.yaml:1:1: the openvz driver manages guests only: it has no"
                    + " networks or storage pools"),
        p.error().get());
  }
}
