package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.Planner;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.SecretDigest;
import io.virtd.core.testing.Specs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The OpenVZ driver against the vzctl/vzlist simulator ({@code src/test/sim}, written from vzctl's
 * sources before the driver): what it creates reads back as declared, changes are one {@code vzctl
 * set}, live and restart-only changes behave as vzctl makes them, every call is idempotent.
 */
class OpenVzDriverSimulatorTest {
  @TempDir Path tmp;

  @BeforeAll
  static void needPython() {
    assumeTrue(Sim.python3(), "/usr/bin/python3 is needed to run the vzctl/vzlist simulator");
  }

  private Sim sim(Map<String, String> env) throws Exception {
    return new Sim(tmp, env);
  }

  private static ResourcePlan plan(OpenVzDriver d, VmSpec spec, Optional<ObservedVm> vm) {
    return Planner.planOne(
        Planner.Input.of(spec, "openvz " + d.target(), d.capabilities(), vm),
        PlanPolicy.of(Sim.OWNER));
  }

  private static List<FieldChange> changes(ResourcePlan p) {
    return p.steps().stream()
        .filter(Step.Update.class::isInstance)
        .flatMap(s -> ((Step.Update) s).changes().stream())
        .toList();
  }

  private static Map<Field, Mutability> mutabilities(List<FieldChange> changes) {
    Map<Field, Mutability> m = new EnumMap<>(Field.class);
    changes.forEach(c -> m.put(c.field(), c.mutability()));
    return m;
  }

  private static OwnershipMark mark(VmSpec spec) {
    return OwnershipMark.forSpec(spec, Sim.OWNER, OwnershipMark.Origin.CREATED);
  }

  /** A manifest for the simulator, values as an operator writes them. */
  private static VmSpec spec(String yaml) {
    return Specs.parse(yaml);
  }

  private static final String EVERYTHING =
      """
      virt: web01
      virt_type: openvz
      ensure: installed
      id: 4242
      ostemplate: centos-6-x86
      hostname: web01.example.com
      ipaddr: [10.0.0.2/24, "2001:DB8::1", 10.0.0.3]
      desc: a "web" server, with quotes
      memory: 1GiB
      cpus: 2
      autoboot: true
      user: root:S3cr3t-pw
      nameserver: [8.8.8.8, 1.1.1.1]
      searchdomain: example.com example.org
      cpuunits: 3000
      cpulimit: 50
      ioprio: 6
      diskspace: 3000000
      diskinodes: 400000
      quotatime: 600
      quotaugidlimit: 100
      noatime: true
      features: [nfs:on, sysfs:off]
      capability: [net_admin:on, sys_time:off]
      devices: [c:10:200:rw, b:8:0:r]
      iptables: [ipt_REJECT, iptable_filter]
      resources_parameters: [kmemsize=14372700:14790164, numproc=240:240, numfile=unlimited]
      disabled: false
      interfaces: [br0, br1]
      """;

  @Test
  void everyOpenVzFieldReadsBackAsDeclared() throws Exception {
    Sim sim = sim(Map.of("VZSIM_VERSION", "7")); // noatime is a Virtuozzo 7 option
    OpenVzDriver d = sim.driver();
    VmSpec spec = spec(EVERYTHING);
    d.create(spec, mark(spec));

    // two calls: create with what create takes, then one set with everything else
    List<List<String>> calls = sim.calls();
    assertEquals(2, calls.size(), calls::toString);
    assertEquals(
        List.of(
            "vzctl",
            "create",
            "4242",
            "--ostemplate",
            "centos-6-x86",
            "--hostname",
            "web01.example.com",
            "--ipadd",
            "10.0.0.2/24",
            "--ipadd",
            "2001:DB8::1",
            "--ipadd",
            "10.0.0.3",
            "--name",
            "web01",
            "--description",
            "a \"web\" server, with quotes",
            "--diskspace",
            "3000000",
            "--diskinodes",
            "400000"),
        calls.get(0));
    assertEquals(List.of("vzctl", "set", "4242"), calls.get(1).subList(0, 3));
    assertEquals("--save", calls.get(1).get(calls.get(1).size() - 1));

    ObservedVm vm = d.observe("web01").orElseThrow();
    assertEquals("web01", vm.name());
    assertEquals(RunState.SHUTOFF, vm.state());
    assertTrue(vm.live().isEmpty());
    for (Map.Entry<Field, Object> e : spec.managed().entrySet()) {
      Object seen = vm.persistent().get(e.getKey());
      if (e.getKey() == Field.USER) {
        assertInstanceOf(SecretDigest.class, seen);
        assertTrue(((SecretDigest) seen).matches("root:S3cr3t-pw"));
      } else {
        assertEquals(e.getValue(), seen, e.getKey().key());
      }
    }
    assertEquals(mark(spec), vm.mark().orElseThrow());
    assertFalse(
        plan(d, spec, Optional.of(vm)).hasChanges(),
        () -> "re-plan after create: " + plan(d, spec, Optional.of(vm)));

    // what vzctl itself stored, in its own spelling
    String conf = sim.confText(4242);
    assertTrue(conf.contains("\nFEATURES=\"sysfs:off nfs:on\"\n"), conf);
    assertTrue(conf.contains("\nCAPABILITY=\"NET_ADMIN:on SYS_TIME:off\"\n"), conf);
    assertTrue(conf.contains("\nNUMPROC=\"240\"\n"), conf);
    assertTrue(conf.contains("2001:db8::1"), conf);
    assertTrue(conf.contains("\nPHYSPAGES=\"0:262144\"\n"), conf);
    assertTrue(conf.startsWith("#virtd: owner=test-owner origin=created manifest="), conf);
    assertFalse(conf.contains("S3cr3t-pw"), conf);

    // running: the kernel's values (addresses without masks, cpuunits through the fair scheduler)
    d.start("web01");
    ObservedVm up = d.observe("web01").orElseThrow();
    assertEquals(RunState.RUNNING, up.state());
    assertEquals(spec.values().get(Field.IPADDR), up.live().get(Field.IPADDR));
    assertEquals(3000L, up.live().get(Field.CPUUNITS));
    assertEquals(50L, up.live().get(Field.CPULIMIT));
    assertEquals(2, up.live().get(Field.CPUS));
    assertEquals(1024L * 1024, up.live().get(Field.MEMORY));
    assertEquals(3000000L, up.live().get(Field.DISKSPACE));
    assertEquals(
        spec.values().get(Field.RESOURCES_PARAMETERS), up.live().get(Field.RESOURCES_PARAMETERS));
    ResourcePlan again = plan(d, spec, Optional.of(up));
    assertFalse(again.hasChanges(), again::toString);
    assertEquals(List.of(), again.restartPending());
    assertEquals(Set.of("web01"), d.observeAll().keySet());
  }

  @Test
  void observeAllIsOneVzlistCallForEveryContainer() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec a = spec("virt: a\nvirt_type: openvz\nensure: installed\n");
    VmSpec b = spec("virt: b\nvirt_type: openvz\nensure: installed\nid: 150\n");
    d.create(a, mark(a));
    d.create(b, mark(b));
    assertEquals(0, sim.vzctl("create", "160")); // someone else's, without a name
    d.start("b");
    int before = sim.calls().size();
    Map<String, ObservedVm> all = d.observeAll();
    assertEquals(Set.of("a", "b", "160"), all.keySet());
    List<List<String>> calls = sim.callsSince(before);
    assertEquals(1, calls.size(), calls::toString);
    assertEquals(List.of("vzlist", "-a", "-j", "-o"), calls.get(0).subList(0, 4));
    assertEquals(RunState.RUNNING, all.get("b").state());
    assertEquals(RunState.SHUTOFF, all.get("a").state());
    assertEquals(Optional.empty(), all.get("160").mark());
    assertEquals(Ctids.derive("a"), all.get("a").persistent().get(Field.ID));
    assertTrue(d.observe("160").isPresent(), "an unnamed container answers to its CTID");
  }

  @Test
  void liveChangesReachTheRunningContainerInOneSetCall() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec before =
        spec(
            "virt: ct\nvirt_type: openvz\nhostname: a\nipaddr: [10.0.0.1]\nmemory: 256\ncpus: 1\ncpuunits: 1000\n");
    d.create(before, mark(before));
    d.start("ct");
    VmSpec after =
        spec(
            """
            virt: ct
            virt_type: openvz
            hostname: b.example.com
            ipaddr: [10.0.0.2, 10.0.0.3]
            memory: 512
            cpus: 2
            cpuunits: 3000
            nameserver: [9.9.9.9]
            resources_parameters: [numproc=400]
            devices: [c:10:200:rw]
            """);
    ObservedVm current = d.observe("ct").orElseThrow();
    ResourcePlan p = plan(d, after, Optional.of(current));
    Map<Field, Mutability> how = mutabilities(changes(p));
    assertEquals(
        Map.of(
            Field.HOSTNAME,
            Mutability.LIVE,
            Field.IPADDR,
            Mutability.LIVE,
            Field.MEMORY,
            Mutability.LIVE,
            Field.CPUS,
            Mutability.LIVE,
            Field.CPUUNITS,
            Mutability.LIVE,
            Field.NAMESERVER,
            Mutability.LIVE,
            Field.RESOURCES_PARAMETERS,
            Mutability.LIVE,
            Field.DEVICES,
            Mutability.LIVE),
        how);
    int n = sim.calls().size();
    assertEquals(Set.of(), d.update(after, current, changes(p), mark(after)));
    List<List<String>> calls = sim.callsSince(n);
    assertEquals(
        List.of(
            List.of(
                "vzctl",
                "set",
                Long.toString(Ctids.derive("ct")),
                "--ram",
                "524288K",
                "--cpus",
                "2",
                "--hostname",
                "b.example.com",
                "--ipdel",
                "10.0.0.1",
                "--ipadd",
                "10.0.0.2",
                "--ipadd",
                "10.0.0.3",
                "--nameserver",
                "9.9.9.9",
                "--cpuunits",
                "3000",
                "--devices",
                "c:10:200:rw",
                "--numproc",
                "400",
                "--save")),
        calls);

    ObservedVm vm = d.observe("ct").orElseThrow();
    for (Map.Entry<Field, Object> e : after.managed().entrySet()) {
      assertEquals(e.getValue(), vm.persistent().get(e.getKey()), "persistent " + e.getKey().key());
    }
    assertEquals(List.of("10.0.0.2", "10.0.0.3"), vm.live().get(Field.IPADDR));
    assertEquals(512L * 1024, vm.live().get(Field.MEMORY));
    assertEquals(2, vm.live().get(Field.CPUS));
    assertEquals(
        3000L, vm.live().get(Field.CPUUNITS), "3012 from the fair scheduler reads as 3000");
    ResourcePlan settled = plan(d, after, Optional.of(vm));
    assertFalse(settled.hasChanges(), settled::toString);
    assertEquals(List.of(), settled.restartPending());
  }

  @Test
  void restartOnlyChangesAreSavedAndPendingUntilTheContainerRestarts() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec before = spec("virt: ct\nvirt_type: openvz\nfeatures: [nfs:off]\n");
    d.create(before, mark(before));
    d.start("ct");
    VmSpec after =
        spec(
            """
            virt: ct
            virt_type: openvz
            features: [nfs:on]
            capability: [net_admin:on]
            iptables: [ipt_REJECT]
            quotaugidlimit: 100
            cpus: 2
            """);
    ObservedVm current = d.observe("ct").orElseThrow();
    ResourcePlan p = plan(d, after, Optional.of(current));
    assertEquals(
        Map.of(
            Field.FEATURES,
            Mutability.RESTART,
            Field.CAPABILITY,
            Mutability.RESTART,
            Field.IPTABLES,
            Mutability.RESTART,
            Field.QUOTAUGIDLIMIT,
            Mutability.RESTART,
            Field.CPUS,
            Mutability.LIVE),
        mutabilities(changes(p)));
    assertEquals(
        Set.of(),
        d.update(after, current, changes(p), mark(after)),
        "nothing expected live was refused");

    ObservedVm vm = d.observe("ct").orElseThrow();
    assertEquals(List.of("nfs:on"), vm.persistent().get(Field.FEATURES));
    assertEquals(List.of("nfs:off"), vm.live().get(Field.FEATURES), "booted with");
    assertEquals(0L, vm.live().get(Field.QUOTAUGIDLIMIT));
    ResourcePlan pending = plan(d, after, Optional.of(vm));
    assertFalse(pending.has(Step.Update.class), pending::toString);
    assertEquals(
        Set.of(Field.FEATURES, Field.CAPABILITY, Field.IPTABLES, Field.QUOTAUGIDLIMIT),
        Set.copyOf(pending.restartPending()));

    // still pending on the next look, then gone once the container has restarted
    assertEquals(pending.restartPending(), plan(d, after, d.observe("ct")).restartPending());
    assertSettledOnceRestarted(d, after);
  }

  @Test
  void entriesDroppedFromFeaturesAndCapabilityAreSwitchedOff() throws Exception {
    // a regression seen: dropped entries stayed on, and the next plan said everything matched
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec before =
        spec(
            """
            virt: ct
            virt_type: openvz
            id: 101
            features: [nfs:on, sit:on]
            capability: [sys_time:on, net_admin:on]
            """);
    d.create(before, mark(before));
    d.start("ct");
    VmSpec after =
        spec(
            """
            virt: ct
            virt_type: openvz
            id: 101
            features: [nfs:on]
            capability: [net_admin:on]
            """);
    ObservedVm current = d.observe("ct").orElseThrow();
    ResourcePlan p = plan(d, after, Optional.of(current));
    assertEquals(
        Map.of(Field.FEATURES, Mutability.RESTART, Field.CAPABILITY, Mutability.RESTART),
        mutabilities(changes(p)));
    d.update(after, current, changes(p), mark(after));
    List<String> set = sim.calls().get(sim.calls().size() - 1);
    assertEquals(
        List.of(
            "vzctl",
            "set",
            "101",
            "--features",
            "nfs:on,sit:off",
            "--capability",
            "net_admin:on,sys_time:off",
            "--save"),
        set);

    String conf = sim.confText(101);
    assertTrue(conf.contains("\nFEATURES=\"nfs:on sit:off\"\n"), conf);
    assertTrue(conf.contains("\nCAPABILITY=\"NET_ADMIN:on SYS_TIME:off\"\n"), conf);
    ObservedVm vm = d.observe("ct").orElseThrow();
    assertEquals(List.of("nfs:on"), vm.persistent().get(Field.FEATURES));
    assertEquals(List.of("net_admin:on"), vm.persistent().get(Field.CAPABILITY));
    assertEquals(
        Set.of(Field.FEATURES, Field.CAPABILITY),
        Set.copyOf(plan(d, after, Optional.of(vm)).restartPending()));

    assertSettledOnceRestarted(d, after);
  }

  @Test
  void emptyingFeaturesOnAStoppedContainerSwitchesEveryEntryOff() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec before =
        spec("virt: ct\nvirt_type: openvz\nid: 101\nensure: stopped\nfeatures: [nfs:on]\n");
    d.create(before, mark(before));
    VmSpec after = spec("virt: ct\nvirt_type: openvz\nid: 101\nensure: stopped\nfeatures: []\n");
    ObservedVm current = d.observe("ct").orElseThrow();
    ResourcePlan p = plan(d, after, Optional.of(current));
    assertEquals(Set.of(Field.FEATURES), mutabilities(changes(p)).keySet());
    d.update(after, current, changes(p), mark(after));

    String conf = sim.confText(101);
    assertTrue(conf.contains("\nFEATURES=\"nfs:off\"\n"), conf);
    ResourcePlan done = plan(d, after, d.observe("ct"));
    assertFalse(done.hasChanges(), done::toString);
  }

  @Test
  void aLiveChangeVzctlDefersIsReportedAsNotHonoured() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec spec = spec("virt: ct\nvirt_type: openvz\ncapability: [net_admin:on]\n");
    d.create(spec, mark(spec));
    d.start("ct");
    VmSpec after = spec("virt: ct\nvirt_type: openvz\ncapability: [net_admin:off]\n");
    ObservedVm current = d.observe("ct").orElseThrow();
    // a table that wrongly says LIVE: vzctl's warning is the truth
    List<FieldChange> c =
        List.of(
            new FieldChange(
                Field.CAPABILITY,
                List.of("net_admin:on"),
                List.of("net_admin:off"),
                Mutability.LIVE));
    assertEquals(Set.of(Field.CAPABILITY), d.update(after, current, c, mark(after)));
    assertEquals(
        List.of("net_admin:on"), d.observe("ct").orElseThrow().live().get(Field.CAPABILITY));
  }

  @Test
  void updatingAStoppedContainerOnlyWritesItsConfig() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec before = spec("virt: ct\nvirt_type: openvz\nensure: stopped\n");
    d.create(before, mark(before));
    VmSpec after =
        spec(
            "virt: ct\nvirt_type: openvz\nensure: stopped\nmemory: 2GiB\ncapability: [sys_time:on]\nioprio: 2\ndesc: x\n");
    ObservedVm current = d.observe("ct").orElseThrow();
    List<FieldChange> changes = changes(plan(d, after, Optional.of(current)));
    assertTrue(
        changes.stream().allMatch(c -> c.mutability() == Mutability.CONFIG), changes::toString);
    assertEquals(Set.of(), d.update(after, current, changes, mark(after)));
    ObservedVm vm = d.observe("ct").orElseThrow();
    assertEquals(RunState.SHUTOFF, vm.state());
    assertFalse(plan(d, after, Optional.of(vm)).hasChanges());
    assertTrue(sim.calls().stream().noneMatch(c -> c.get(1).equals("start")));
  }

  @Test
  void everyLifecycleCallIsIdempotent() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec spec = spec("virt: ct\nvirt_type: openvz\n");
    d.create(spec, mark(spec));
    d.start("ct");
    d.start("ct"); // vzctl exits 32 "already running": as asked
    d.resume("ct");
    assertEquals(RunState.RUNNING, d.observe("ct").orElseThrow().state());
    assertFalse(d.stop("ct", Duration.ofSeconds(30)));
    assertFalse(d.stop("ct", Duration.ofSeconds(30)), "vzctl exits 0 for a stopped container");
    d.destroy("ct");
    d.start("ct");
    d.destroy("ct");
    d.destroy("ct");
    assertEquals(RunState.SHUTOFF, d.observe("ct").orElseThrow().state());
    d.remove("ct");
    d.remove("ct");
    assertEquals(Optional.empty(), d.observe("ct"));
    assertFalse(Files.exists(sim.conf(Ctids.derive("ct"))));
  }

  @Test
  void callsOnAMissingContainerAreNoOpsOrNotFound() throws Exception {
    OpenVzDriver d = sim(Map.of()).driver();
    assertEquals(Optional.empty(), d.observe("missing"));
    assertEquals(Map.of(), d.observeAll());
    assertFalse(d.stop("missing", Duration.ofSeconds(1)));
    d.destroy("missing");
    d.remove("missing");
    DriverException e = assertThrows(DriverException.class, () -> d.start("missing"));
    assertEquals(DriverException.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains("`missing`"), e.getMessage());
  }

  @Test
  void removeTakesARunningOrAMountedContainer() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec a = spec("virt: a\nvirt_type: openvz\n");
    VmSpec b = spec("virt: b\nvirt_type: openvz\n");
    d.create(a, mark(a));
    d.create(b, mark(b));
    d.start("a");
    assertEquals(0, sim.vzctl("mount", Long.toString(Ctids.derive("b"))));
    d.remove("a");
    d.remove("b");
    assertEquals(Map.of(), d.observeAll());
  }

  @Test
  void theUserPasswordIsNeverShownNorKeptAndAChangeIsNoticed() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    Level level = root.getLevel();
    root.setLevel(Level.TRACE);
    try {
      Sim sim = sim(Map.of());
      OpenVzDriver d = sim.driver();
      VmSpec spec = spec("virt: ct\nvirt_type: openvz\nensure: installed\nuser: root:Pa55-first\n");
      d.create(spec, mark(spec));
      long ctid = Ctids.derive("ct");
      assertFalse(sim.confText(ctid).contains("Pa55"), "the config holds a hash only");
      assertTrue(
          sim.confText(ctid).contains("\n#virtd-user: pbkdf2-sha256$100000$"), sim.confText(ctid));
      assertFalse(plan(d, spec, d.observe("ct")).hasChanges());

      VmSpec changed =
          spec("virt: ct\nvirt_type: openvz\nensure: installed\nuser: root:Pa55-second\n");
      ObservedVm vm = d.observe("ct").orElseThrow();
      ResourcePlan p = plan(d, changed, Optional.of(vm));
      assertEquals(Map.of(Field.USER, Mutability.CONFIG), mutabilities(changes(p)));
      assertFalse(p.toString().contains("Pa55-first"), "the observed side shows no secret");
      d.update(changed, vm, changes(p), mark(changed));
      assertFalse(plan(d, changed, d.observe("ct")).hasChanges());
      assertTrue(plan(d, spec, d.observe("ct")).hasChanges(), "the old password no longer matches");
      assertFalse(sim.confText(ctid).contains("Pa55"));

      // a failing call: its message shows the command without the password
      VmSpec third =
          spec("virt: ct\nvirt_type: openvz\nensure: installed\nuser: root:Pa55-third\n");
      Sim locked = new Sim(tmp, Map.of("VZSIM_LOCKED", Long.toString(ctid)));
      OpenVzDriver ld = locked.driver();
      ObservedVm now = ld.observe("ct").orElseThrow();
      DriverException e =
          assertThrows(
              DriverException.class,
              () -> ld.update(third, now, changes(plan(ld, third, Optional.of(now))), mark(third)));
      assertEquals(DriverException.Kind.TRANSIENT, e.kind());
      assertTrue(e.getMessage().contains("--userpasswd (sensitive)"), e.getMessage());
      assertTrue(e.getMessage().contains("exit code 9"), e.getMessage());
      assertFalse(e.getMessage().contains("Pa55"), e.getMessage());
      assertFalse(logs.list.isEmpty(), "commands are logged at debug");
      for (ILoggingEvent ev : logs.list) {
        assertFalse(ev.getFormattedMessage().contains("Pa55"), ev.getFormattedMessage());
      }
    } finally {
      root.detachAppender(logs);
      root.setLevel(level);
    }
  }

  @Test
  void aDerivedCtidTakenByAnotherContainerIsRefused() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    long ctid = Ctids.derive("web");
    assertEquals(0, sim.vzctl("create", Long.toString(ctid), "--name", "other"));
    VmSpec spec = spec("virt: web\nvirt_type: openvz\n");
    DriverException e = assertThrows(DriverException.class, () -> d.create(spec, mark(spec)));
    assertEquals(DriverException.Kind.CONFLICT, e.kind());
    assertEquals(
        "openvz: cannot create `web`: CTID "
            + ctid
            + " (derived from the name; set `id:` to choose another) is taken by"
            + " container `other`",
        e.getMessage());
    // the plan says so first, at the resource (derived) or at `id`
    List<String> problems = d.preflight(spec);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems
            .get(0)
            .endsWith(
                ":1:1: CTID "
                    + ctid
                    + " (derived from the name; set `id:` to"
                    + " choose another) is taken by container `other`"),
        problems.get(0));
    VmSpec takenId = spec("virt: web\nvirt_type: openvz\nid: " + ctid + "\n");
    assertTrue(
        d.preflight(takenId)
            .get(0)
            .endsWith(":3:1: CTID " + ctid + " is taken by container `other`"),
        d.preflight(takenId).toString());
    VmSpec withId = spec("virt: web\nvirt_type: openvz\nid: 777\n");
    assertEquals(List.of(), d.preflight(withId));
    d.create(withId, mark(withId));
    assertEquals(777L, d.observe("web").orElseThrow().persistent().get(Field.ID));
  }

  @Test
  void exitCodesBecomeKinds() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    VmSpec spec = spec("virt: ct\nvirt_type: openvz\ndisabled: true\n");
    d.create(spec, mark(spec));
    DriverException disabled = assertThrows(DriverException.class, () -> d.start("ct"));
    assertEquals(DriverException.Kind.CONFLICT, disabled.kind());
    assertTrue(
        disabled.getMessage().contains("exit code 105: Container start disabled"),
        disabled.getMessage());

    OpenVzDriver locked =
        new Sim(tmp, Map.of("VZSIM_LOCKED", Long.toString(Ctids.derive("ct")))).driver();
    DriverException busy = assertThrows(DriverException.class, () -> locked.start("ct"));
    assertEquals(DriverException.Kind.TRANSIENT, busy.kind());
    assertTrue(busy.getMessage().contains("Container already locked"), busy.getMessage());

    // a template the host does not have: terminal, vzctl's own words
    VmSpec bad = spec("virt: other\nvirt_type: openvz\nostemplate: debian-99\n");
    DriverException missing = assertThrows(DriverException.class, () -> d.create(bad, mark(bad)));
    assertEquals(DriverException.Kind.TERMINAL, missing.kind());
    assertTrue(missing.getMessage().contains("exit code 91"), missing.getMessage());
    assertEquals(Optional.empty(), d.observe("other"));
  }

  @Test
  void noatimeOnALegacyVzctlIsAnErrorThatSaysWhy() throws Exception {
    OpenVzDriver d = sim(Map.of()).driver();
    VmSpec spec = spec("virt: ct\nvirt_type: openvz\nnoatime: true\n");
    DriverException e = assertThrows(DriverException.class, () -> d.create(spec, mark(spec)));
    assertEquals(DriverException.Kind.TERMINAL, e.kind());
    assertTrue(e.getMessage().contains("exit code 21"), e.getMessage());
    assertTrue(
        e.getMessage().endsWith("(`noatime` needs Virtuozzo 7's vzctl; this vzctl is older)"),
        e.getMessage());
    // the container exists and is marked, so the next plan updates rather than re-creates it
    assertTrue(d.observe("ct").orElseThrow().mark().isPresent());
  }

  @Test
  void aVzlistWithoutJsonIsReadAsColumns() throws Exception {
    Sim sim = sim(Map.of());
    VmSpec spec = spec(EVERYTHING.replace("noatime: true\n", ""));
    OpenVzDriver json = sim.driver();
    json.create(spec, mark(spec));
    json.start("web01");
    ObservedVm viaJson = json.observe("web01").orElseThrow();

    OpenVzDriver old = new Sim(tmp, Map.of("VZSIM_NO_JSON", "1")).driver();
    int n = sim.calls().size();
    ObservedVm viaColumns = old.observeAll().get("web01");
    List<List<String>> calls = sim.callsSince(n);
    assertEquals(2, calls.size(), "-j refused once, then columns");
    assertEquals("-j", calls.get(0).get(2));
    assertEquals(List.of("vzlist", "-a", "-H", "-t", "-o"), calls.get(1).subList(0, 5));
    assertEquals(viaJson.state(), viaColumns.state());
    assertEquals(viaJson.persistent(), viaColumns.persistent());
    assertEquals(viaJson.live(), viaColumns.live());
    n = sim.calls().size();
    assertTrue(old.observe("web01").isPresent());
    assertEquals(1, sim.callsSince(n).size(), "no second try of -j");
  }

  @Test
  void adoptingMarksAContainerAndKeepsEveryOtherLine() throws Exception {
    Sim sim = sim(Map.of());
    OpenVzDriver d = sim.driver();
    assertEquals(0, sim.vzctl("create", "300", "--name", "legacy", "--hostname", "old.example"));
    Files.writeString(
        sim.conf(300),
        "#UUID: 0b1c0f5e-7d1e-4b0a-9d43-5f6c3b1f7a10\n" + sim.confText(300) + "CUSTOM=\"kept\"\n");
    String text = sim.confText(300);
    VmSpec spec =
        spec("virt: legacy\nvirt_type: openvz\nensure: installed\nhostname: old.example\n");
    ObservedVm before = d.observe("legacy").orElseThrow();
    assertTrue(before.mark().isEmpty());
    ResourcePlan p = plan(d, spec, Optional.of(before));
    assertTrue(p.has(Step.Adopt.class), p::toString);
    assertFalse(p.has(Step.Update.class), p::toString);
    OwnershipMark adopted = OwnershipMark.forSpec(spec, Sim.OWNER, OwnershipMark.Origin.ADOPTED);
    d.update(spec, before, changes(p), adopted);
    assertEquals(adopted, d.observe("legacy").orElseThrow().mark().orElseThrow());
    String after = sim.confText(300);
    assertEquals(text, after.substring(after.indexOf('\n') + 1), "only the mark line was added");
    assertTrue(after.startsWith("#virtd: owner=test-owner origin=adopted manifest="), after);
  }

  /** After the container restarts, nothing differs and nothing waits for a restart. */
  private static void assertSettledOnceRestarted(OpenVzDriver d, VmSpec spec) throws Exception {
    assertFalse(d.stop("ct", Duration.ofSeconds(30)));
    d.start("ct");
    ResourcePlan done = plan(d, spec, d.observe("ct"));
    assertFalse(done.hasChanges(), done::toString);
    assertEquals(List.of(), done.restartPending());
  }
}
