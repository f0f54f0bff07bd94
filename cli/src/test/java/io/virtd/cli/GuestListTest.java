package io.virtd.cli;

import static io.virtd.core.testing.DriverContract.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rows of {@code virtctl list}, from surveys made by hand. */
class GuestListTest {
  static final Drivers.Target QEMU = new Drivers.Target(DriverKind.LIBVIRT, "qemu:///system");
  static final GuestAddress LEASE =
      new GuestAddress("52:54:00:00:00:01", "192.168.122.57", 24, GuestAddress.Source.LEASE);
  static final GuestAddress AGENT6 =
      new GuestAddress("52:54:00:00:00:02", "2001:db8::10", 64, GuestAddress.Source.AGENT);

  static ObservedVm vm(String name, RunState state, Optional<List<GuestAddress>> addresses) {
    return new ObservedVm(name, state, Map.of(), Map.of(), Optional.empty(), 0, 0)
        .withAddresses(addresses);
  }

  static ResourcePlan plan(String name, List<Step> steps, List<Field> restart) {
    return new ResourcePlan(
        spec(name, VirtType.KVM),
        QEMU.label(),
        steps,
        List.of(),
        restart,
        Optional.empty(),
        List.of());
  }

  @Test
  void eachChangedFieldAndEachOtherStepCountsOnePendingChange() {
    var update =
        new Step.Update(
            List.of(
                new FieldChange(Field.MEMORY, 1L, 2L, Mutability.LIVE),
                new FieldChange(Field.DESC, "a", "b", Mutability.LIVE)));
    assertEquals(0, GuestList.pending(plan("a", List.of(), List.of())));
    assertEquals(3, GuestList.pending(plan("a", List.of(new Step.Adopt(), update), List.of())));
  }

  @Test
  void rowsShowStateSyncRestartAndAddressesAndAllAddsTheUnmanaged() {
    ObservedVm web = vm("web01", RunState.RUNNING, Optional.of(List.of(LEASE, AGENT6)));
    ObservedVm db = vm("db01", RunState.RUNNING, Optional.empty());
    ObservedVm other = vm("other", RunState.SHUTOFF, Optional.of(List.of()));
    var survey =
        new Planning.Survey(
            QEMU,
            Map.of("web01", web, "db01", db, "other", other),
            Optional.empty(),
            List.of(
                new Planning.Planned(plan("web01", List.of(), List.of()), Optional.of(web)),
                new Planning.Planned(plan("db01", List.of(), List.of(Field.CPUS)), Optional.of(db)),
                new Planning.Planned(
                    plan("gone01", List.of(new Step.Create()), List.of()), Optional.empty())));
    assertEquals(
        """
        NAME                     HYPERVISOR                   DESIRED    STATE       SYNC       RESTART          ADDRESSES
        web01                    libvirt qemu:///system       running    running     in sync    -                192.168.122.57/24 (lease), 2001:db8::10/64 (agent)
        db01                     libvirt qemu:///system       running    running     in sync    cpus             unknown
        gone01                   libvirt qemu:///system       running    missing     1 pending  -                -
        """,
        GuestList.text(GuestList.rows(List.of(survey), false)));
    var all = GuestList.rows(List.of(survey), true);
    assertEquals(4, all.size());
    assertEquals("other", all.get(3).name());
    assertEquals("unmanaged", all.get(3).desired());
    assertEquals("-", all.get(3).sync());
  }

  @Test
  void aHypervisorThatCouldNotBeReadListsItsGuestsAsUnknown() {
    var e = new DriverException(DriverException.Kind.UNAVAILABLE, "down");
    var survey =
        new Planning.Survey(
            QEMU,
            Map.of(),
            Optional.of(e),
            List.of(
                new Planning.Planned(
                    ResourcePlan.failed(
                        spec("web01", VirtType.KVM),
                        QEMU.label(),
                        io.virtd.core.plan.PlanError.unreadable("web01", e)),
                    Optional.empty())));
    GuestList.Row r = GuestList.rows(List.of(survey), true).get(0);
    assertEquals("unknown", r.state());
    assertEquals("error", r.sync());
    assertEquals(Optional.empty(), r.addresses());
  }
}
