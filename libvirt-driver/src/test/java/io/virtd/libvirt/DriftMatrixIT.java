package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.OWNER;
import static io.virtd.core.testing.DriverContract.changes;
import static io.virtd.core.testing.DriverContract.mib;
import static io.virtd.core.testing.DriverContract.spec;
import static io.virtd.core.testing.DriverContract.with;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.apply.ApplyEvent;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.config.Config;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.Commands;
import io.virtd.core.testing.DriverContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The drift matrix on a real libvirtd and QEMU: a running guest whose running state, saved
 * definition, or both were changed with virsh behind virtd's back. For each case the plan must name
 * the right mutability for each half, apply must heal exactly that half and restart the guest only
 * when a restart is the only way and {@code restart: on_change} allows it, and the next plan must
 * be empty (or, with {@code restart: never}, only "restart pending").
 *
 * <p>Guests sit in their BIOS (no disk; KVM where QEMU can use it, TCG otherwise), except for the
 * memory cases in the running guest: a live memory change needs a balloon driver in the guest, so
 * those boot {@link BootableGuest} under TCG. Booting it is most of such a case's time, so the
 * balloon cases share one booted guest: each case leaves it healed (its next plan is empty), and a
 * case that finds it otherwise boots a fresh one.
 */
class DriftMatrixIT {
  static final String URI = "qemu:///system";
  // -Dvirtd.it.prefix: where several test runs share one libvirtd, each keeps to its own names
  static final String PREFIX =
      System.getProperty("virtd.it.prefix", "virtd-it-")
          + "dm-"
          + UUID.randomUUID().toString().substring(0, 8)
          + "-";
  static final Path STORAGE = Path.of("/var/lib/virtd-test", PREFIX); // QEMU's user: the seed

  /** The booted balloon guest the memory cases share; removed after the class. */
  static final String BALLOON = PREFIX + "balloon";

  static VirtType biosType;

  String prefix;
  VmDriver driver;
  Executor executor;
  final List<ApplyEvent> events = new ArrayList<>();

  @BeforeAll
  static void reachable() throws Exception {
    DomainCleaner.assumeReachable(URI);
    biosType = LibvirtQemuContractIT.kvmUsable() ? VirtType.KVM : VirtType.QEMU;
  }

  @BeforeEach
  void open(@org.junit.jupiter.api.io.TempDir Path locks) throws Exception {
    prefix = PREFIX + UUID.randomUUID().toString().substring(0, 4) + "-";
    driver =
        new LibvirtDriverFactory()
            .open(URI, CloudInitBootIT.withStorage(Config.defaults(), STORAGE));
    executor = new Executor(OWNER, new GuestLocks(locks), Duration.ofSeconds(5));
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      driver.close();
    } finally {
      DomainCleaner.removeAll(URI, prefix);
    }
  }

  @AfterAll
  static void removeSharedGuest() throws Exception {
    DomainCleaner.removeAllWithFiles(URI, PREFIX, STORAGE);
  }

  /** What virsh does to the guest behind virtd's back; {@code G} stands for its name. */
  @FunctionalInterface
  interface Drift {
    void on(String guest) throws Exception;
  }

  /** One field change a plan must show: before and after as plans print them, and how. */
  record Expected(Field field, String before, String after, Mutability how) {
    static Expected of(FieldChange c) {
      return new Expected(
          c.field(),
          PlanJson.text(c.field(), c.before()),
          PlanJson.text(c.field(), c.after()),
          c.mutability());
    }

    @Override
    public String toString() {
      return field.key() + ": " + before + " -> " + after + " (" + how.label() + ")";
    }
  }

  /**
   * One row of the matrix.
   *
   * @param balloon whether the guest must follow a live memory change (boots a real kernel)
   * @param manifest field/value pairs besides the guest's base (64 MiB, 1 vcpu or the balloon
   *     guest's 256 MiB)
   * @param changes what the plan must show for the update step, in order
   * @param pending what the plan must report as restart pending
   * @param restarts whether the plan restarts the guest (only ever with {@code restart: on_change})
   * @param pendingAfter what is still restart pending after apply ({@code restart: never})
   * @param refused the live changes the guest refuses (a BIOS cannot unplug a vcpu)
   */
  record Case(
      String name,
      boolean balloon,
      Object[] manifest,
      Drift drift,
      List<Expected> changes,
      List<Field> pending,
      boolean restarts,
      List<Field> pendingAfter,
      List<Field> refused) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case heals(String name, Object[] manifest, Drift drift, Expected... changes) {
    return new Case(
        name, false, manifest, drift, List.of(changes), List.of(), false, List.of(), List.of());
  }

  /** A drift only a restart heals: with {@code restart: on_change} it restarts, else it waits. */
  static Case waits(String name, Object[] manifest, Drift drift, Expected... changes) {
    boolean onChange = List.of(manifest).contains("on_change");
    List<Field> pending = List.of(changes.length > 0 ? changes[0].field() : fieldOf(manifest));
    return new Case(
        name,
        false,
        manifest,
        drift,
        List.of(changes),
        pending,
        onChange,
        onChange ? List.of() : pending,
        List.of());
  }

  private static Field fieldOf(Object[] manifest) {
    return (Field) manifest[0];
  }

  static Object[] m(Object... pairs) {
    return pairs;
  }

  static Stream<Case> matrix() {
    return Stream.of(
        new Case(
            "memory: running guest only, balloon -> live",
            true,
            m(),
            g -> virsh("setmem", g, Long.toString(mib(192)), "--live"),
            List.of(new Expected(Field.MEMORY, "192 MiB", "256 MiB", Mutability.LIVE)),
            List.of(),
            false,
            List.of(),
            List.of()),
        heals(
            "on_crash: saved definition only, restart on_change -> config, no restart",
            m(Field.ON_CRASH, LifecycleAction.RESTART, Field.RESTART, "on_change"),
            g -> redefine(g, x -> x.replace("<on_crash>restart<", "<on_crash>destroy<")),
            new Expected(Field.ON_CRASH, "destroy", "restart", Mutability.CONFIG)),
        heals(
            "on_crash: saved definition only, restart never -> config, nothing pending",
            m(Field.ON_CRASH, LifecycleAction.RESTART),
            g -> redefine(g, x -> x.replace("<on_crash>restart<", "<on_crash>destroy<")),
            new Expected(Field.ON_CRASH, "destroy", "restart", Mutability.CONFIG)),
        heals(
            "cpus: saved definition only -> config",
            m(Field.CPUS, 2),
            g -> virsh("setvcpus", g, "1", "--config"),
            new Expected(Field.CPUS, "1", "2", Mutability.CONFIG)),
        // --- the rest of the matrix
        heals(
            "memory: saved definition only -> config",
            m(),
            g -> virsh("setmem", g, Long.toString(mib(48)), "--config"),
            new Expected(Field.MEMORY, "48 MiB", "64 MiB", Mutability.CONFIG)),
        new Case(
            "memory: both halves from different values, balloon -> live and config",
            true,
            m(),
            g -> {
              virsh("setmem", g, Long.toString(mib(192)), "--live");
              virsh("setmem", g, Long.toString(mib(224)), "--config");
            },
            List.of(
                new Expected(Field.MEMORY, "192 MiB", "256 MiB", Mutability.LIVE),
                new Expected(Field.MEMORY, "224 MiB", "256 MiB", Mutability.CONFIG)),
            List.of(),
            false,
            List.of(),
            List.of()),
        heals(
            "max_memory: saved definition only (lowered with its memory) -> config",
            m(Field.MEMORY, mib(128), Field.MAX_MEMORY, mib(128)),
            g -> virsh("setmaxmem", g, Long.toString(mib(96)), "--config"),
            new Expected(Field.MEMORY, "96 MiB", "128 MiB", Mutability.CONFIG),
            new Expected(Field.MAX_MEMORY, "96 MiB", "128 MiB", Mutability.CONFIG)),
        new Case(
            "cpus: running guest only, a BIOS refuses the unplug -> live, then restart pending",
            false,
            m(Field.MAX_CPUS, 2),
            g -> virsh("setvcpus", g, "2", "--live"),
            List.of(new Expected(Field.CPUS, "2", "1", Mutability.LIVE)),
            List.of(),
            false,
            List.of(Field.CPUS),
            List.of(Field.CPUS)),
        waits(
            "on_crash: running guest only, restart never -> restart pending, nothing written",
            m(Field.ON_CRASH, LifecycleAction.DESTROY),
            g -> virsh("set-lifecycle-action", g, "crash", "preserve", "--live")),
        waits(
            "on_crash: running guest only, restart on_change -> restarted",
            m(Field.ON_CRASH, LifecycleAction.DESTROY, Field.RESTART, "on_change"),
            g -> virsh("set-lifecycle-action", g, "crash", "preserve", "--live")),
        waits(
            "on_crash: both halves from different values, restart on_change -> both shown",
            m(Field.ON_CRASH, LifecycleAction.RESTART, Field.RESTART, "on_change"),
            g -> {
              virsh("set-lifecycle-action", g, "crash", "preserve", "--live");
              redefine(g, x -> x.replace("<on_crash>restart<", "<on_crash>destroy<"));
            },
            new Expected(Field.ON_CRASH, "preserve", "restart", Mutability.RESTART),
            new Expected(Field.ON_CRASH, "destroy", "restart", Mutability.CONFIG)),
        heals(
            "on_poweroff: saved definition only -> config",
            m(Field.ON_POWEROFF, LifecycleAction.DESTROY),
            g -> redefine(g, x -> x.replace("<on_poweroff>destroy<", "<on_poweroff>restart<")),
            new Expected(Field.ON_POWEROFF, "restart", "destroy", Mutability.CONFIG)),
        heals(
            "on_reboot: saved definition only -> config",
            m(Field.ON_REBOOT, LifecycleAction.RESTART),
            g -> redefine(g, x -> x.replace("<on_reboot>restart<", "<on_reboot>destroy<")),
            new Expected(Field.ON_REBOOT, "destroy", "restart", Mutability.CONFIG)),
        heals(
            "autoboot: turned off -> live",
            m(Field.AUTOBOOT, true),
            g -> virsh("autostart", g, "--disable"),
            new Expected(Field.AUTOBOOT, "false", "true", Mutability.LIVE)),
        heals(
            "desc: running guest only -> live",
            m(Field.DESC, "managed"),
            g -> virsh("desc", g, "--live", "--new-desc", "drifted"),
            new Expected(Field.DESC, "drifted", "managed", Mutability.LIVE)),
        heals(
            "desc: saved definition only -> config",
            m(Field.DESC, "managed"),
            g -> virsh("desc", g, "--config", "--new-desc", "drifted"),
            new Expected(Field.DESC, "drifted", "managed", Mutability.CONFIG)),
        heals(
            "desc: both halves from different values -> live and config",
            m(Field.DESC, "managed"),
            g -> {
              virsh("desc", g, "--live", "--new-desc", "live drift");
              virsh("desc", g, "--config", "--new-desc", "saved drift");
            },
            new Expected(Field.DESC, "live drift", "managed", Mutability.LIVE),
            new Expected(Field.DESC, "saved drift", "managed", Mutability.CONFIG)),
        heals(
            "graphics: saved definition only -> config",
            m(Field.GRAPHICS, "enable"),
            g -> redefine(g, x -> x.replaceAll("(?s)<graphics .*?</graphics>", "")),
            new Expected(Field.GRAPHICS, "disable", "enable", Mutability.CONFIG)),
        heals(
            "interfaces: a NIC added to the saved definition only -> config",
            m(Field.INTERFACES, List.of()),
            g -> redefine(g, x -> x.replace("</devices>", "<interface type='user'/></devices>")),
            new Expected(Field.INTERFACES, "[(user)]", "[]", Mutability.CONFIG)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matrix")
  void driftIsHealedInTheHalfItIsIn(Case c) throws Exception {
    VmSpec spec = guest(c);
    String g = spec.name();
    long t0 = System.nanoTime();
    create(spec);
    c.drift().on(g);
    if (c.balloon()) {
      waitForLiveMemory(spec, c);
    }
    String id = virsh("domid", g);

    ResourcePlan p = plan(spec);
    assertEquals(c.changes(), changes(p).stream().map(Expected::of).toList(), p::toString);
    assertEquals(c.pending(), p.restartPending(), p::toString);
    assertEquals(c.restarts(), p.has(Step.Action.RESTART), p::toString);

    events.clear();
    Executor.Outcome o = executor.run(p, driver, events::add);
    assertTrue(o.ok(), events::toString);
    assertEquals(c.refused(), List.copyOf(o.unhonoured()), events::toString);
    if (c.restarts()) {
      assertNotEquals(id, virsh("domid", g), "restarted");
    } else {
      assertEquals(id, virsh("domid", g), "never restarted: " + events);
    }
    // a balloon's size reaches libvirt through QEMU's rate-limited events: wait for it
    await()
        .atMost(Duration.ofSeconds(c.balloon() ? 30 : 1))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              ResourcePlan after = plan(spec);
              assertTrue(after.steps().isEmpty(), after::toString);
              assertEquals(c.pendingAfter(), after.restartPending(), after::toString);
            });
    System.out.printf("%s: %d ms%n", c.name(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
  }

  /**
   * A guest without a balloon driver has its whole {@code max_memory}: the balloon call is refused,
   * and since a restart would boot it with that maximum again, the plan warns instead of restarting
   * it on every pass, even with {@code restart: on_change}.
   */
  @org.junit.jupiter.api.Test
  void memoryBelowItsMaximumWithoutABalloonDriverIsAWarningNotARestartLoop() throws Exception {
    VmSpec spec =
        spec(
            prefix + "nb",
            biosType,
            Field.MEMORY,
            mib(64),
            Field.MAX_MEMORY,
            mib(128),
            Field.RESTART,
            "on_change",
            Field.SHUTDOWN_TIMEOUT,
            Duration.ofSeconds(2));
    driver.create(spec, DriverContract.mark(spec, OwnershipMark.Origin.CREATED));
    driver.start(spec.name());
    ResourcePlan p = plan(spec);
    assertEquals(
        List.of(new Expected(Field.MEMORY, "128 MiB", "64 MiB", Mutability.LIVE)),
        changes(p).stream().map(Expected::of).toList(),
        p::toString);
    Executor.Outcome o = executor.run(p, driver, events::add);
    assertTrue(o.ok(), events::toString);
    assertEquals(List.of(Field.MEMORY), List.copyOf(o.unhonoured()));
    ResourcePlan after = plan(spec);
    assertEquals(List.of(), after.steps(), after::toString);
    assertEquals(List.of(), after.restartPending(), after::toString);
    assertTrue(
        after.warnings().stream().anyMatch(w -> w.startsWith("`memory` of the running guest")),
        after::toString);
  }

  // ------------------------------------------------------------------ helpers

  private VmSpec guest(Case c) throws Exception {
    VmSpec base;
    if (c.balloon()) {
      base =
          spec(
              BALLOON,
              VirtType.QEMU, // this kernel hangs under KVM on nested hosts
              Field.MEMORY,
              mib(256),
              Field.BOOT_LOCATION,
              BootableGuest.bootLocation().toString(),
              Field.BOOT_OPTIONS,
              "console=ttyS0",
              Field.USER_DATA,
              Map.of("virtd_marker", "drift"));
    } else {
      base =
          spec(
              prefix + Integer.toHexString(c.name().hashCode()),
              biosType,
              Field.MEMORY,
              mib(64),
              Field.CPUS,
              1);
    }
    return with(with(base, Field.SHUTDOWN_TIMEOUT, Duration.ofSeconds(2)), c.manifest());
  }

  private void create(VmSpec spec) throws Exception {
    if (spec.name().equals(BALLOON)) {
      if (sharedGuestReady(spec)) {
        return;
      }
      // a fresh boot: none of the last one's guest, console history or seed
      DomainCleaner.removeAll(URI, BALLOON);
      Files.deleteIfExists(DomainWriter.consoleLogPath(BALLOON));
      Files.deleteIfExists(CloudInitSeed.isoPath(STORAGE, BALLOON));
    }
    driver.create(spec, DriverContract.mark(spec, OwnershipMark.Origin.CREATED));
    driver.start(spec.name());
    if (spec.isSet(Field.BOOT_LOCATION)) {
      waitForConsole(spec.name(), "virtd-guest: waiting for the power button");
    }
    ResourcePlan p = plan(spec);
    assertFalse(p.hasChanges() || !p.restartPending().isEmpty(), () -> "after create: " + p);
  }

  /**
   * Whether the shared balloon guest is running, booted and as {@code spec} declares: what {@link
   * #create} would leave. An earlier case leaves it so when it passed; otherwise it is booted anew.
   */
  private boolean sharedGuestReady(VmSpec spec) throws Exception {
    var vm = driver.observe(spec.name());
    if (vm.isEmpty() || vm.get().state() != io.virtd.core.spi.RunState.RUNNING) {
      return false;
    }
    Path log = DomainWriter.consoleLogPath(spec.name());
    ResourcePlan p = DriverContract.plan(driver, spec, vm);
    return Files.exists(log)
        && Files.readString(log, StandardCharsets.ISO_8859_1)
            .contains("virtd-guest: waiting for the power button")
        && !p.hasChanges()
        && p.restartPending().isEmpty()
        && p.warnings().isEmpty();
  }

  /**
   * The balloon moves at the guest's pace and libvirt hears of it in steps: wait until the running
   * guest shows the value the case's live change starts from.
   */
  private void waitForLiveMemory(VmSpec spec, Case c) {
    String from =
        c.changes().stream()
            .filter(e -> e.field() == Field.MEMORY && e.how() == Mutability.LIVE)
            .findFirst()
            .orElseThrow()
            .before();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                from.equals(
                    PlanJson.text(
                        Field.MEMORY,
                        driver.observe(spec.name()).orElseThrow().live().get(Field.MEMORY))));
  }

  private ResourcePlan plan(VmSpec spec) throws DriverException {
    return DriverContract.plan(driver, spec, driver.observe(spec.name()));
  }

  static String virsh(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("virsh", "-q", "-c", URI));
    argv.addAll(List.of(args));
    Commands.Result r = Commands.run(argv, Duration.ofSeconds(60));
    if (r.exit() != 0) {
      throw new IllegalStateException(argv + " failed: " + r.err() + r.out());
    }
    return r.out().strip();
  }

  /** Edits the saved definition as an operator would: dumpxml --inactive, edit, virsh define. */
  static void redefine(String guest, UnaryOperator<String> edit) throws Exception {
    String xml = virsh("dumpxml", "--inactive", "--security-info", guest);
    String edited = edit.apply(xml);
    assertNotEquals(xml, edited, "the edit changed nothing");
    Path f = Files.createTempFile("virtd-drift", ".xml");
    try {
      Files.writeString(f, edited);
      virsh("define", f.toString());
    } finally {
      Files.deleteIfExists(f);
    }
  }

  private static void waitForConsole(String guest, String line) throws Exception {
    Path log = DomainWriter.consoleLogPath(guest);
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                Files.exists(log)
                    && Files.readString(log, StandardCharsets.ISO_8859_1).contains(line));
  }
}
