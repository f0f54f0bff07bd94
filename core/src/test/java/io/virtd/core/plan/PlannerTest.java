package io.virtd.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedValue;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.Unset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {
  private static final Path FILE = Path.of("/etc/virtd/manifests/t.yaml");
  private static final String OWNER = "host1";
  private static final Optional<OwnershipMark> MARK =
      Optional.of(new OwnershipMark(OWNER, OwnershipMark.Origin.CREATED, FILE.toString(), ""));

  static VmSpec spec(Ensure ensure, Map<Field, Object> values) {
    Map<Field, Object> v = new EnumMap<>(Field.class);
    v.put(Field.VIRT_TYPE, VirtType.KVM);
    v.put(Field.ENSURE, ensure);
    v.putAll(values);
    return new VmSpec("g1", v, FILE, Pos.START);
  }

  static ObservedVm observed(RunState state, Map<Field, Object> persistent) {
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.put(Field.VIRT_TYPE, VirtType.KVM);
    p.put(Field.AUTOBOOT, true);
    p.putAll(persistent);
    return new ObservedVm("g1", state, p, state.isActive() ? p : Map.of(), MARK, 1 << 20, 2);
  }

  static Capabilities every(Field f, Mutability m) {
    return Capabilities.builder()
        .set(Mutability.LIVE, Field.AUTOBOOT)
        .set(m, f)
        .restUnsupported()
        .build();
  }

  static ResourcePlan plan(VmSpec spec, Optional<ObservedVm> vm, Capabilities caps) {
    return Planner.planOne(Planner.Input.of(spec, "fake", caps, vm), PlanPolicy.of(OWNER));
  }

  static List<Field> guestFields() {
    return Stream.of(Field.values())
        .filter(Field::isGuestProperty)
        .filter(f -> f != Field.VIRT_TYPE && f != Field.AUTOBOOT)
        .filter(f -> !DeviceItems.isDeviceList(f)) // item by item: DeviceListsTest
        .toList();
  }

  /** Every guest field, as a changeable field declared each way, and as its own kind. */
  static Stream<Arguments> fieldsAndMutabilities() {
    List<Arguments> out = new ArrayList<>();
    for (Field f : guestFields()) {
      for (Mutability m :
          List.of(Mutability.LIVE, Mutability.CONFIG, Mutability.RESTART, Mutability.REPLACE)) {
        out.add(Arguments.of(f, m));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} equal ({1})")
  @MethodSource("fieldsAndMutabilities")
  void equalValueMeansNoChange(Field f, Mutability m) {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(f, "a")),
            Optional.of(observed(RunState.RUNNING, Map.of(f, "a"))),
            every(f, m));
    assertTrue(p.steps().isEmpty(), p.toString());
    assertTrue(p.recreateRequired().isEmpty());
    assertTrue(p.restartPending().isEmpty());
  }

  @ParameterizedTest(name = "{0} changed on a running guest, declared {1}")
  @MethodSource("fieldsAndMutabilities")
  void changeOnARunningGuest(Field f, Mutability declared) {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(f, "b")),
            Optional.of(observed(RunState.RUNNING, Map.of(f, "a"))),
            every(f, declared));
    if (declared == Mutability.REPLACE) {
      assertEquals(List.of(new FieldChange(f, "a", "b", Mutability.REPLACE)), p.recreateRequired());
      assertTrue(
          p.steps().isEmpty(), "a difference the driver cannot apply is never applied silently");
      return;
    }
    assertEquals(
        List.of(new Step.Update(List.of(new FieldChange(f, "a", "b", declared)))), p.steps());
    assertEquals(declared == Mutability.RESTART ? List.of(f) : List.of(), p.restartPending());
  }

  @ParameterizedTest(name = "{0} changed on a stopped guest, declared {1}")
  @MethodSource("fieldsAndMutabilities")
  void changeOnAStoppedGuestIsConfigOnlyAndNeverStartsIt(Field f, Mutability declared) {
    ResourcePlan p =
        plan(
            spec(Ensure.STOPPED, Map.of(f, "b", Field.AUTOBOOT, true)),
            Optional.of(observed(RunState.SHUTOFF, Map.of(f, "a"))),
            every(f, declared));
    assertTrue(p.steps().stream().noneMatch(s -> s instanceof Step.Lifecycle), p.toString());
    if (declared == Mutability.REPLACE) {
      assertEquals(1, p.recreateRequired().size());
    } else {
      assertEquals(
          List.of(new Step.Update(List.of(new FieldChange(f, "a", "b", Mutability.CONFIG)))),
          p.steps());
    }
    assertTrue(p.restartPending().isEmpty());
  }

  @ParameterizedTest(name = "{0} changed, guest to be started, declared {1}")
  @MethodSource("fieldsAndMutabilities")
  void changeBeforeStartIsWrittenFirstSoTheGuestBootsWithIt(Field f, Mutability declared) {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(f, "b")),
            Optional.of(observed(RunState.SHUTOFF, Map.of(f, "a"))),
            every(f, declared));
    if (declared == Mutability.REPLACE) {
      assertEquals(List.of(new Step.Lifecycle(Step.Action.START)), p.steps());
      return;
    }
    assertEquals(
        List.of(
            new Step.Update(List.of(new FieldChange(f, "a", "b", Mutability.CONFIG))),
            new Step.Lifecycle(Step.Action.START)),
        p.steps());
    assertTrue(p.restartPending().isEmpty());
  }

  /** ensure × observed state → steps, written by hand from the spec's "ensure" section. */
  @ParameterizedTest(name = "ensure {0}, guest {1} -> {2}")
  @CsvSource({
    "RUNNING,   MISSING,     create start",
    "RUNNING,   RUNNING,     ''",
    "RUNNING,   SHUTOFF,     start",
    "RUNNING,   PAUSED,      resume",
    "RUNNING,   PMSUSPENDED, resume",
    "RUNNING,   CRASHED,     start",
    "RUNNING,   BLOCKED,     ''",
    "STOPPED,   MISSING,     create",
    "STOPPED,   RUNNING,     stop",
    "STOPPED,   SHUTOFF,     ''",
    "STOPPED,   PAUSED,      stop",
    "STOPPED,   CRASHED,     stop",
    "INSTALLED, MISSING,     create",
    "INSTALLED, RUNNING,     ''",
    "INSTALLED, SHUTOFF,     ''",
    "INSTALLED, PAUSED,      ''",
    "ABSENT,    MISSING,     ''",
    "ABSENT,    RUNNING,     remove",
    "ABSENT,    SHUTOFF,     remove",
  })
  void ensureTransitions(Ensure ensure, String state, String expected) {
    Optional<ObservedVm> vm =
        state.equals("MISSING")
            ? Optional.empty()
            : Optional.of(
                observed(
                    RunState.valueOf(state), Map.of(Field.AUTOBOOT, ensure != Ensure.STOPPED)));
    ResourcePlan p = plan(spec(ensure, Map.of()), vm, every(Field.DESC, Mutability.CONFIG));
    String steps = String.join(" ", p.steps().stream().map(PlannerTest::name).toList());
    assertEquals(expected, steps);
  }

  static String name(Step s) {
    return s instanceof Step.Lifecycle l
        ? l.action().key()
        : s.getClass().getSimpleName().toLowerCase();
  }

  @Test
  void autobootFollowsEnsureWhenLeftOut() {
    Capabilities caps = every(Field.DESC, Mutability.CONFIG);
    ResourcePlan stopped =
        plan(
            spec(Ensure.STOPPED, Map.of()),
            Optional.of(observed(RunState.SHUTOFF, Map.of(Field.AUTOBOOT, true))),
            caps);
    assertEquals(
        List.of(
            new Step.Update(
                List.of(new FieldChange(Field.AUTOBOOT, true, false, Mutability.CONFIG)))),
        stopped.steps());
    ResourcePlan installed =
        plan(
            spec(Ensure.INSTALLED, Map.of()),
            Optional.of(observed(RunState.SHUTOFF, Map.of(Field.AUTOBOOT, false))),
            caps);
    assertTrue(installed.steps().isEmpty(), "installed leaves autoboot alone");
  }

  @Test
  void keysTheManifestLeavesOutAreNotManaged() {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of()),
            Optional.of(observed(RunState.RUNNING, Map.of(Field.MEMORY, 4096L, Field.DESC, "x"))),
            every(Field.MEMORY, Mutability.LIVE));
    assertTrue(p.steps().isEmpty());
  }

  /** A guest whose two halves differ: {@code persistent} as given, {@code live} over it. */
  static ObservedVm halves(
      Map<Field, Object> persistent, Map<Field, Object> live, Set<Field> refusedLive) {
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.put(Field.VIRT_TYPE, VirtType.KVM);
    p.put(Field.AUTOBOOT, true);
    p.putAll(persistent);
    Map<Field, Object> l = new EnumMap<>(p);
    l.putAll(live);
    return new ObservedVm("g1", RunState.RUNNING, p, l, MARK, 1 << 20, 2, refusedLive);
  }

  static List<FieldChange> changes(ResourcePlan p) {
    return p.steps().stream()
        .filter(Step.Update.class::isInstance)
        .flatMap(s -> ((Step.Update) s).changes().stream())
        .toList();
  }

  @Test
  void aLiveChangeTheGuestRefusedIsRestartPendingNotTriedAgain() {
    var vm =
        halves(
            Map.of(Field.MEMORY, 512L * 1024),
            Map.of(Field.MEMORY, 1024L * 1024),
            Set.of(Field.MEMORY));
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.MEMORY, 512L * 1024, Field.RESTART, "on_change")),
            Optional.of(vm),
            every(Field.MEMORY, Mutability.LIVE));
    assertEquals(List.of(new Step.Lifecycle(Step.Action.RESTART)), p.steps());
    assertEquals(List.of(Field.MEMORY), p.restartPending());
  }

  @Test
  void driftInTheRunningGuestAloneIsALiveChange() {
    var vm = halves(Map.of(Field.MEMORY, 100L * 1024), Map.of(Field.MEMORY, 80L * 1024), Set.of());
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.MEMORY, 100L * 1024, Field.RESTART, "on_change")),
            Optional.of(vm),
            every(Field.MEMORY, Mutability.LIVE));
    assertEquals(
        List.of(
            new Step.Update(
                List.of(new FieldChange(Field.MEMORY, 80L * 1024, 100L * 1024, Mutability.LIVE)))),
        p.steps());
    assertEquals(List.of(), p.restartPending());
  }

  @Test
  void driftInTheRunningGuestOfARestartOnlyFieldWaitsForTheRestartWithNothingToWrite() {
    var vm =
        halves(
            Map.of(Field.ON_CRASH, LifecycleAction.RESTART),
            Map.of(Field.ON_CRASH, LifecycleAction.DESTROY),
            Set.of());
    ResourcePlan never =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.ON_CRASH, LifecycleAction.RESTART)),
            Optional.of(vm),
            every(Field.ON_CRASH, Mutability.RESTART));
    assertEquals(List.of(), never.steps());
    assertEquals(List.of(Field.ON_CRASH), never.restartPending());
  }

  @ParameterizedTest(name = "declared {0}")
  @CsvSource({"LIVE", "RESTART", "CONFIG"})
  void driftInTheDefinitionAloneIsAConfigWriteNeverARestart(Mutability declared) {
    var vm =
        halves(
            Map.of(Field.ON_CRASH, LifecycleAction.DESTROY),
            Map.of(Field.ON_CRASH, LifecycleAction.RESTART),
            Set.of());
    ResourcePlan p =
        plan(
            spec(
                Ensure.RUNNING,
                Map.of(Field.ON_CRASH, LifecycleAction.RESTART, Field.RESTART, "on_change")),
            Optional.of(vm),
            every(Field.ON_CRASH, declared));
    assertEquals(
        List.of(
            new Step.Update(
                List.of(
                    new FieldChange(
                        Field.ON_CRASH,
                        LifecycleAction.DESTROY,
                        LifecycleAction.RESTART,
                        Mutability.CONFIG)))),
        p.steps());
    assertEquals(List.of(), p.restartPending(), "nothing waits for a restart");
  }

  @Test
  void vcpusWrittenToTheDefinitionAloneAreAConfigWriteNotALiveChange() {
    var vm = halves(Map.of(Field.CPUS, 2), Map.of(Field.CPUS, 1), Set.of());
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.CPUS, 1)),
            Optional.of(vm),
            every(Field.CPUS, Mutability.LIVE));
    assertEquals(List.of(new FieldChange(Field.CPUS, 2, 1, Mutability.CONFIG)), changes(p));
  }

  @ParameterizedTest(name = "declared {0}")
  @CsvSource({"LIVE", "RESTART"})
  void bothHalvesDifferingFromDifferentValuesAreBothShown(Mutability declared) {
    var vm =
        halves(
            Map.of(Field.ON_CRASH, LifecycleAction.DESTROY),
            Map.of(Field.ON_CRASH, LifecycleAction.PRESERVE),
            Set.of());
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.ON_CRASH, LifecycleAction.RESTART)),
            Optional.of(vm),
            every(Field.ON_CRASH, declared));
    assertEquals(
        List.of(
            new FieldChange(
                Field.ON_CRASH, LifecycleAction.PRESERVE, LifecycleAction.RESTART, declared),
            new FieldChange(
                Field.ON_CRASH,
                LifecycleAction.DESTROY,
                LifecycleAction.RESTART,
                Mutability.CONFIG)),
        changes(p));
    assertEquals(
        declared == Mutability.RESTART ? List.of(Field.ON_CRASH) : List.of(), p.restartPending());
    String text = PlanText.render(PlanJson.of(new Plan(List.of(p))));
    assertTrue(text.contains("~ on_crash: preserve -> restart"), text);
    assertTrue(text.contains("~ on_crash: destroy -> restart"), text);
  }

  @Test
  void restartOnChangeRestartsARunningGuestButNeverAStoppedOne() {
    Capabilities caps = every(Field.CPUS, Mutability.RESTART);
    var running =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.CPUS, 4, Field.RESTART, "on_change")),
            Optional.of(observed(RunState.RUNNING, Map.of(Field.CPUS, 1))),
            caps);
    assertEquals(
        new Step.Lifecycle(Step.Action.RESTART), running.steps().get(running.steps().size() - 1));
    var stopped =
        plan(
            spec(
                Ensure.STOPPED,
                Map.of(Field.CPUS, 4, Field.RESTART, "on_change", Field.AUTOBOOT, true)),
            Optional.of(observed(RunState.SHUTOFF, Map.of(Field.CPUS, 1))),
            caps);
    assertTrue(stopped.steps().stream().noneMatch(s -> s instanceof Step.Lifecycle));
    var outsideWindow =
        Planner.planOne(
            Planner.Input.of(
                spec(Ensure.RUNNING, Map.of(Field.CPUS, 4, Field.RESTART, "on_change")),
                "fake",
                caps,
                Optional.of(observed(RunState.RUNNING, Map.of(Field.CPUS, 1)))),
            new PlanPolicy(OWNER, Set.of(), false));
    assertTrue(outsideWindow.steps().stream().noneMatch(s -> s instanceof Step.Lifecycle));
    assertEquals(List.of(Field.CPUS), outsideWindow.restartPending());
  }

  @Test
  void replaceOnlyWithPermissionAndNeverWhenProtected() {
    Capabilities caps = every(Field.ARCH, Mutability.REPLACE);
    var vm = Optional.of(observed(RunState.RUNNING, Map.of(Field.ARCH, "x86_64")));
    var allowed = new PlanPolicy(OWNER, Set.of("g1"), true);
    var replaced =
        Planner.planOne(
            Planner.Input.of(spec(Ensure.RUNNING, Map.of(Field.ARCH, "i686")), "fake", caps, vm),
            allowed);
    assertEquals(
        List.of(
            new Step.Replace(
                List.of(new FieldChange(Field.ARCH, "x86_64", "i686", Mutability.REPLACE))),
            new Step.Lifecycle(Step.Action.START)),
        replaced.steps());
    var protectedPlan =
        Planner.planOne(
            Planner.Input.of(
                spec(Ensure.RUNNING, Map.of(Field.ARCH, "i686", Field.PROTECT, true)),
                "fake",
                caps,
                vm),
            allowed);
    assertEquals(
        PlanError.Reason.PROTECTED_FROM_REPLACEMENT,
        protectedPlan.failure().orElseThrow().reason());
    assertTrue(protectedPlan.error().orElseThrow().contains("protect"));
    var absentProtected = plan(spec(Ensure.ABSENT, Map.of(Field.PROTECT, true)), vm, caps);
    assertTrue(absentProtected.error().isPresent());
  }

  @Test
  void unmarkedGuestIsAdoptedAndAnotherOwnersGuestIsRefused() {
    Capabilities caps = every(Field.DESC, Mutability.CONFIG);
    var bare =
        new ObservedVm(
            "g1", RunState.RUNNING, Map.of(Field.AUTOBOOT, true), Map.of(), Optional.empty(), 0, 0);
    assertEquals(
        List.of(new Step.Adopt()),
        plan(spec(Ensure.RUNNING, Map.of()), Optional.of(bare), caps).steps());
    var other =
        new ObservedVm(
            "g1",
            RunState.RUNNING,
            Map.of(),
            Map.of(),
            Optional.of(new OwnershipMark("hostB", OwnershipMark.Origin.CREATED, "", "")),
            0,
            0);
    var p = plan(spec(Ensure.ABSENT, Map.of()), Optional.of(other), caps);
    assertTrue(p.steps().isEmpty());
    assertTrue(p.error().orElseThrow().contains("hostB"));
  }

  /** A running guest that says nothing but its autoboot and {@code mark}. */
  static ObservedVm markedOnly(Optional<OwnershipMark> mark) {
    return new ObservedVm(
        "g1", RunState.RUNNING, Map.of(Field.AUTOBOOT, true), Map.of(), mark, 0, 0);
  }

  @Test
  void absentOnAnUnmarkedGuestIsRefusedAtTheEnsureKeyUnlessReplaceConsents() {
    Capabilities caps = every(Field.DESC, Mutability.CONFIG);
    var bare = Optional.of(markedOnly(Optional.empty()));
    Map<Field, Object> v = new EnumMap<>(Field.class);
    v.put(Field.VIRT_TYPE, VirtType.KVM);
    v.put(Field.ENSURE, Ensure.ABSENT);
    VmSpec absent = new VmSpec("g1", v, FILE, Pos.START, Map.of(Field.ENSURE, new Pos(4, 9)));

    var refused = plan(absent, bare, caps);
    assertTrue(refused.refused(), refused.toString());
    assertEquals(List.of(), refused.steps());
    String why = refused.error().orElseThrow();
    assertTrue(why.startsWith(FILE + ":4:9: "), why);
    assertTrue(why.contains("virtctl apply --replace g1"), "says how to consent: " + why);

    var consented =
        Planner.planOne(
            Planner.Input.of(absent, "fake", caps, bare),
            new PlanPolicy(OWNER, Set.of("g1"), true));
    assertEquals(List.of(new Step.Adopt(), new Step.Remove()), consented.steps());
    assertTrue(consented.error().isEmpty());

    var adopted =
        Optional.of(
            markedOnly(
                Optional.of(new OwnershipMark(OWNER, OwnershipMark.Origin.ADOPTED, "", ""))));
    assertEquals(
        List.of(new Step.Remove()),
        plan(absent, adopted, caps).steps(),
        "a guest adopted earlier is managed: absent removes it");
    assertTrue(plan(absent, Optional.empty(), caps).steps().isEmpty(), "nothing to remove");
  }

  @Test
  void aFieldTheDriverCannotChangeIsATypedWarningNamingFieldAndDriver() {
    var vm = Optional.of(observed(RunState.SHUTOFF, Map.of(Field.DESC, "old")));
    var p =
        plan(
            spec(Ensure.STOPPED, Map.of(Field.DESC, "new")),
            vm,
            every(Field.DESC, Mutability.UNSUPPORTED));
    assertEquals(
        List.of(new PlanWarning(PlanWarning.Reason.CANNOT_CHANGE, Field.DESC, List.of("fake"))),
        p.cautions());
    assertEquals(List.of("`desc` cannot be changed by the fake driver"), p.warnings());
  }

  @Test
  void refusalsAreTypedAndAGuestThatCannotBeReadIsNot() {
    Capabilities caps = every(Field.DESC, Mutability.CONFIG);
    var other =
        Optional.of(
            markedOnly(
                Optional.of(new OwnershipMark("hostB", OwnershipMark.Origin.CREATED, "", ""))));
    var owned = plan(spec(Ensure.RUNNING, Map.of()), other, caps);
    assertTrue(owned.refused());
    assertEquals(PlanError.Reason.OWNED_BY_ANOTHER, owned.failure().orElseThrow().reason());
    assertEquals(
        io.virtd.core.spi.DriverException.Kind.CONFLICT, owned.failure().orElseThrow().kind());
    var vm = Optional.of(observed(RunState.RUNNING, Map.of()));
    var protectedAbsent = plan(spec(Ensure.ABSENT, Map.of(Field.PROTECT, true)), vm, caps);
    assertTrue(protectedAbsent.refused());
    assertEquals(
        PlanError.Reason.PROTECTED_FROM_REMOVAL, protectedAbsent.failure().orElseThrow().reason());
    var unmarkedAbsent =
        plan(spec(Ensure.ABSENT, Map.of()), Optional.of(markedOnly(Optional.empty())), caps);
    assertEquals(PlanError.Reason.NOT_MANAGED, unmarkedAbsent.failure().orElseThrow().reason());
    var unreadable =
        Planner.planOne(
            Planner.Input.failed(
                spec(Ensure.RUNNING, Map.of()),
                "fake",
                PlanError.unreadable(
                    "web", io.virtd.core.spi.DriverException.Kind.UNAVAILABLE, "libvirtd is down")),
            PlanPolicy.of(OWNER));
    assertEquals("libvirtd is down", unreadable.error().orElseThrow());
    assertEquals(
        io.virtd.core.spi.DriverException.Kind.UNAVAILABLE,
        unreadable.failure().orElseThrow().kind(),
        "the driver's classification is kept");
    assertFalse(unreadable.refused(), "worth retrying");
  }

  @Test
  void valueDependentMutability() {
    Capabilities caps =
        Capabilities.builder()
            .rule(
                Field.CPUS,
                (d, g) -> (Integer) d <= g.maxVcpus() ? Mutability.LIVE : Mutability.RESTART)
            .set(Mutability.LIVE, Field.AUTOBOOT)
            .restUnsupported()
            .build();
    var vm = Optional.of(observed(RunState.RUNNING, Map.of(Field.CPUS, 1)));
    assertEquals(
        Mutability.LIVE,
        ((Step.Update) plan(spec(Ensure.RUNNING, Map.of(Field.CPUS, 2)), vm, caps).steps().get(0))
            .changes()
            .get(0)
            .mutability());
    assertEquals(
        Mutability.RESTART,
        ((Step.Update) plan(spec(Ensure.RUNNING, Map.of(Field.CPUS, 3)), vm, caps).steps().get(0))
            .changes()
            .get(0)
            .mutability());
  }

  // --- create-time keys a manifest adds to an existing guest

  /** The create-time keys of the libvirt driver, each with a value a manifest may give it. */
  static Stream<Arguments> createTimeKeys() {
    return Stream.of(
        Arguments.of(Field.MACHINE_TYPE, "q35"),
        Arguments.of(Field.OS_VARIANT, "debian12"),
        Arguments.of(Field.VIDEO_MODEL, "virtio"),
        Arguments.of(Field.PXE, true),
        Arguments.of(Field.PXE, false),
        Arguments.of(Field.BOOT_LOCATION, "/srv/boot/debian"),
        Arguments.of(Field.BOOT_OPTIONS, "console=ttyS0"),
        Arguments.of(Field.KICKSTART, "http://ks.example/ks.cfg"),
        Arguments.of(Field.IMAGE, "/srv/images/base.qcow2"),
        Arguments.of(Field.IMAGE_MODE, "clone"),
        Arguments.of(Field.VIRT_PATH, "/srv/disks/g1.img"),
        Arguments.of(Field.XML_FILE, "/etc/virtd/manifests/g1.xml"),
        Arguments.of(Field.CLONE_FROM, "base01"),
        Arguments.of(Field.CPU_MODEL, "host-passthrough"),
        Arguments.of(Field.ARCH, "i686"),
        Arguments.of(Field.OS_TYPE, "linux"));
  }

  static Capabilities libvirtLike() {
    return Capabilities.builder()
        .set(Mutability.LIVE, Field.AUTOBOOT)
        .defaultsFor(io.virtd.core.manifest.DriverKind.LIBVIRT)
        .absentIsUnknown(Field.DISK_SIZE)
        .restUnsupported()
        .build();
  }

  static ObservedVm marked(
      RunState state, Map<Field, Object> persistent, Optional<OwnershipMark> mark) {
    ObservedVm vm = observed(state, persistent);
    return new ObservedVm(vm.name(), state, vm.persistent(), vm.live(), mark, 1 << 20, 2);
  }

  static Optional<OwnershipMark> origin(OwnershipMark.Origin o) {
    return Optional.of(new OwnershipMark(OWNER, o, FILE.toString(), ""));
  }

  @ParameterizedTest(name = "{0}: {1} added to a guest virtd created without it")
  @MethodSource("createTimeKeys")
  void createTimeKeyAddedLaterToACreatedGuestNeedsRecreating(Field f, Object value) {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(f, value)),
            Optional.of(marked(RunState.RUNNING, Map.of(), origin(OwnershipMark.Origin.CREATED))),
            libvirtLike());
    assertEquals(
        List.of(new FieldChange(f, null, value, Mutability.REPLACE)), p.recreateRequired());
    assertTrue(p.steps().isEmpty(), "never applied silently: " + p.steps());
    assertTrue(p.hasChanges(), "plan exits 2 for it");
  }

  @ParameterizedTest(name = "{0}: {1} on an adopted guest that does not report it")
  @MethodSource("createTimeKeys")
  void createTimeKeyAnAdoptedGuestCannotReportIsNotCompared(Field f, Object value) {
    ResourcePlan adopted =
        plan(
            spec(Ensure.RUNNING, Map.of(f, value)),
            Optional.of(marked(RunState.RUNNING, Map.of(), origin(OwnershipMark.Origin.ADOPTED))),
            libvirtLike());
    assertTrue(adopted.recreateRequired().isEmpty(), adopted.toString());
    assertTrue(adopted.steps().isEmpty(), adopted.toString());
    ResourcePlan unmarked =
        plan(
            spec(Ensure.RUNNING, Map.of(f, value)),
            Optional.of(marked(RunState.RUNNING, Map.of(), Optional.empty())),
            libvirtLike());
    assertTrue(unmarked.recreateRequired().isEmpty(), unmarked.toString());
    assertEquals(List.of(new Step.Adopt()), unmarked.steps());
  }

  @ParameterizedTest(name = "{0}: {1} known to be missing from an adopted guest")
  @MethodSource("createTimeKeys")
  void createTimeKeyAGuestIsSeenWithoutNeedsRecreatingWhateverItsOrigin(Field f, Object value) {
    for (Optional<OwnershipMark> mark :
        List.of(
            origin(OwnershipMark.Origin.ADOPTED),
            origin(OwnershipMark.Origin.CREATED),
            Optional.<OwnershipMark>empty())) {
      ResourcePlan p =
          plan(
              spec(Ensure.RUNNING, Map.of(f, value)),
              Optional.of(marked(RunState.RUNNING, Map.of(f, Unset.VALUE), mark)),
              libvirtLike());
      assertEquals(
          List.of(new FieldChange(f, null, value, Mutability.REPLACE)),
          p.recreateRequired(),
          "mark " + mark);
    }
  }

  @ParameterizedTest(name = "{0}: {1} unchanged")
  @MethodSource("createTimeKeys")
  void createTimeKeyUnchangedIsNoDifference(Field f, Object value) {
    for (OwnershipMark.Origin o : OwnershipMark.Origin.values()) {
      ResourcePlan p =
          plan(
              spec(Ensure.RUNNING, Map.of(f, value)),
              Optional.of(marked(RunState.RUNNING, Map.of(f, value), origin(o))),
              libvirtLike());
      assertFalse(p.hasChanges(), o + ": " + p);
    }
  }

  @Test
  void aCreatedGuestWithoutTheDiskDiskSizeMeasuresIsNotCompared() {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISK_SIZE, 10)),
            Optional.of(marked(RunState.RUNNING, Map.of(), origin(OwnershipMark.Origin.CREATED))),
            libvirtLike());
    assertFalse(p.hasChanges(), "docs/manifests.md, Storage: not compared without such a disk");
  }

  @Test
  void anObservedValueDecidesItselfWhatMatchesAndPrintsAsItsText() {
    ObservedValue familyOfQ35 =
        new ObservedValue() {
          @Override
          public boolean matches(Object desired) {
            return desired.equals("q35") || desired.equals("pc-q35-7.2");
          }

          @Override
          public String toString() {
            return "pc-q35-7.2";
          }
        };
    var vm =
        Optional.of(
            marked(
                RunState.RUNNING,
                Map.of(Field.MACHINE_TYPE, familyOfQ35),
                origin(OwnershipMark.Origin.CREATED)));
    assertFalse(
        plan(spec(Ensure.RUNNING, Map.of(Field.MACHINE_TYPE, "q35")), vm, libvirtLike())
            .hasChanges());
    assertEquals(
        List.of(new FieldChange(Field.MACHINE_TYPE, "pc-q35-7.2", "pc", Mutability.REPLACE)),
        plan(spec(Ensure.RUNNING, Map.of(Field.MACHINE_TYPE, "pc")), vm, libvirtLike())
            .recreateRequired());
  }

  @Test
  void replacingAnUnmarkedGuestShowsItAsAdoptedFirst() {
    var vm = Optional.of(marked(RunState.RUNNING, Map.of(Field.ARCH, "x86_64"), Optional.empty()));
    var p =
        Planner.planOne(
            Planner.Input.of(
                spec(Ensure.RUNNING, Map.of(Field.ARCH, "i686")), "fake", libvirtLike(), vm),
            new PlanPolicy(OWNER, Set.of("g1"), true));
    assertEquals(
        List.of(
            new Step.Adopt(),
            new Step.Replace(
                List.of(new FieldChange(Field.ARCH, "x86_64", "i686", Mutability.REPLACE))),
            new Step.Lifecycle(Step.Action.START)),
        p.steps());
    String text = PlanText.render(PlanJson.of(new Plan(List.of(p))));
    assertTrue(text.contains("  ~ adopt (found without ownership mark)"), text);
    assertEquals("adopt", PlanJson.of(new Plan(List.of(p))).at("/resources/0/actions/0").asText());
  }
}
