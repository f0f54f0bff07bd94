package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.control.GuestState;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.Planner;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import io.virtd.core.testing.Specs;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the status says differs, from the plan the daemon made. */
class GuestStatusTest {
  private static final Optional<OwnershipMark> MARK =
      Optional.of(new OwnershipMark("host1", OwnershipMark.Origin.CREATED, "", ""));

  private static VmSpec spec(String yaml) {
    return Specs.load("virt: web01\nvirt_type: kvm\n" + yaml).get("web01").orElseThrow();
  }

  private static ObservedVm guest(RunState state, Map<Field, Object> values) {
    var persistent = new java.util.EnumMap<Field, Object>(Field.class);
    persistent.putAll(Map.of(Field.MEMORY, 1024L * 1024, Field.CPUS, 1, Field.AUTOBOOT, true));
    persistent.put(Field.VIRT_TYPE, VirtType.KVM);
    persistent.putAll(values);
    return new ObservedVm(
        "web01",
        state,
        persistent,
        state.isActive() ? persistent : Map.of(),
        MARK,
        1024L * 1024,
        2);
  }

  private static List<GuestState.Difference> differs(VmSpec spec, Optional<ObservedVm> guest) {
    ResourcePlan plan =
        Planner.planOne(
            Planner.Input.of(spec, "libvirt fake:///", FakeDriver.capabilities(true), guest),
            PlanPolicy.of("host1"));
    return GuestStatus.differences(plan, guest);
  }

  private static GuestState.Difference d(String field, String wanted, String found) {
    return new GuestState.Difference(field, wanted, found);
  }

  @Test
  void eachChangedFieldWithWhatTheManifestWantsAndWhatTheGuestHas() {
    var running = Optional.of(guest(RunState.RUNNING, Map.of()));
    assertEquals(
        List.of(d("memory", "768 MiB", "1024 MiB"), d("cpus", "4", "1")),
        differs(spec("memory: 768\ncpus: 4\n"), running));
    assertEquals(List.of(), differs(spec("memory: 1024\ncpus: 1\n"), running));
  }

  @Test
  void aSecretIsNeverShown() {
    var running = Optional.of(guest(RunState.RUNNING, Map.of(Field.VNC_PASSWORD, "0ld")));
    assertEquals(
        List.of(d("vnc_password", "(sensitive)", "(sensitive)")),
        differs(spec("memory: 1024\ncpus: 1\nvnc_password: s3cr3t\n"), running));
  }

  @Test
  void aGuestInTheWrongStateOrMissingDiffersInEnsure() {
    var stopped = Optional.of(guest(RunState.SHUTOFF, Map.of()));
    assertEquals(
        List.of(d("ensure", "running", "shutoff")),
        differs(spec("memory: 1024\ncpus: 1\n"), stopped));
    assertEquals(
        List.of(d("ensure", "running", "missing")),
        differs(spec("memory: 1024\ncpus: 1\n"), Optional.empty()));
  }

  @Test
  void addressesAreTheGuestsAsReadNoneWithoutAGuestAndUnknownWhenUnread() {
    var lease =
        new io.virtd.core.spi.GuestAddress(
            "52:54:00:00:00:01", "10.0.0.5", 24, io.virtd.core.spi.GuestAddress.Source.LEASE);
    var running =
        Optional.of(guest(RunState.RUNNING, Map.of()).withAddresses(Optional.of(List.of(lease))));
    VmSpec spec = spec("memory: 1024\n");
    ResourcePlan planned =
        Planner.planOne(
            Planner.Input.of(spec, "libvirt fake:///", FakeDriver.capabilities(true), running),
            PlanPolicy.of("host1"));
    assertEquals(Optional.of(List.of(lease)), GuestStatus.addresses(planned, running));
    ResourcePlan missing =
        Planner.planOne(
            Planner.Input.of(
                spec, "libvirt fake:///", FakeDriver.capabilities(true), Optional.empty()),
            PlanPolicy.of("host1"));
    assertEquals(Optional.of(List.of()), GuestStatus.addresses(missing, Optional.empty()));
    ResourcePlan unread =
        ResourcePlan.failed(
            spec,
            "libvirt fake:///",
            io.virtd.core.plan.PlanError.unreadable(
                "web01",
                new io.virtd.core.spi.DriverException(
                    io.virtd.core.spi.DriverException.Kind.UNAVAILABLE, "down")));
    assertEquals(Optional.empty(), GuestStatus.addresses(unread, Optional.empty()));
  }
}
