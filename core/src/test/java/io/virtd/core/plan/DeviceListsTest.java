package io.virtd.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The planner's decisions on {@code disks} and {@code nics}, item by item, and how plans say them.
 */
class DeviceListsTest {
  private static final Path FILE = Path.of("/etc/virtd/manifests/db.yaml");
  private static final Optional<OwnershipMark> MARK =
      Optional.of(new OwnershipMark("host1", OwnershipMark.Origin.CREATED, FILE.toString(), ""));

  private static final DiskSpec VDA = DiskSpec.blank("vda", 10);
  private static final DiskSpec VDB = DiskSpec.blank("vdb", 100);
  private static final String VDC_FILE = "/var/lib/virtd/db01-vdc.qcow2";
  private static final DiskSpec VDC = DiskSpec.blank("vdc", 5).withFile(VDC_FILE);
  private static final String MAC1 = "52:54:00:12:34:56";
  private static final String MAC2 = "52:54:00:00:00:02";
  private static final NicSpec NIC1 =
      new NicSpec(NicSpec.Type.NETWORK, "backend", MAC1, "virtio", null);
  private static final NicSpec NIC2 = new NicSpec(NicSpec.Type.BRIDGE, "br0", MAC2, "virtio", null);

  private static VmSpec spec(Ensure ensure, Map<Field, Object> values) {
    Map<Field, Object> v = new EnumMap<>(Field.class);
    v.put(Field.VIRT_TYPE, VirtType.KVM);
    v.put(Field.ENSURE, ensure);
    v.put(Field.AUTOBOOT, true);
    v.putAll(values);
    return new VmSpec("db01", v, FILE, Pos.START);
  }

  private static ObservedVm guest(
      RunState state, Map<Field, Object> persistent, Map<Field, Object> live, Set<Field> refused) {
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.put(Field.VIRT_TYPE, VirtType.KVM);
    p.put(Field.AUTOBOOT, true);
    p.putAll(persistent);
    Map<Field, Object> l = new EnumMap<>(Field.class);
    if (state.isActive()) {
      l.putAll(p);
      l.putAll(live);
    }
    return new ObservedVm("db01", state, p, l, MARK, 1 << 20, 2, refused);
  }

  private static ObservedVm running(Map<Field, Object> both) {
    return guest(RunState.RUNNING, both, Map.of(), Set.of());
  }

  private static ResourcePlan plan(VmSpec spec, ObservedVm vm) {
    return Planner.planOne(
        Planner.Input.of(
            spec, "libvirt qemu:///system", FakeDriver.capabilities(true), Optional.of(vm)),
        PlanPolicy.of("host1"));
  }

  private static String text(ResourcePlan p) {
    return PlanText.render(PlanJson.of(new Plan(List.of(p))));
  }

  private static List<FieldChange> updates(ResourcePlan p) {
    return p.steps().stream()
        .filter(Step.Update.class::isInstance)
        .flatMap(s -> ((Step.Update) s).changes().stream())
        .toList();
  }

  @Test
  void sameListsPlanNothing() {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(VDA, VDB), Field.NICS, List.of(NIC1))),
            running(
                Map.of(Field.DISKS, List.of(VDA, VDB.withFile("/x")), Field.NICS, List.of(NIC1))));
    assertEquals(List.of(), p.steps());
    assertEquals(List.of(), p.restartPending());
  }

  @Test
  void diskAddedToARunningGuestIsAttachedLive() {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(VDA, VDB))),
            running(Map.of(Field.DISKS, List.of(VDA))));
    assertEquals(List.of(new FieldChange(Field.DISKS, null, VDB, Mutability.LIVE)), updates(p));
    assertTrue(text(p).contains("  + disk vdb (100 GiB, live)\n"), text(p));
  }

  @Test
  void diskAddedToAStoppedGuestIsWrittenToItsDefinition() {
    ResourcePlan p =
        plan(
            spec(Ensure.STOPPED, Map.of(Field.DISKS, List.of(VDA, VDB))),
            guest(RunState.SHUTOFF, Map.of(Field.DISKS, List.of(VDA)), Map.of(), Set.of()));
    assertEquals(List.of(new FieldChange(Field.DISKS, null, VDB, Mutability.CONFIG)), updates(p));
  }

  @Test
  void diskRemovedIsDetachedLiveAndItsVolumeKept() {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(VDA))),
            running(Map.of(Field.DISKS, List.of(VDA, VDC))));
    assertEquals(List.of(new FieldChange(Field.DISKS, VDC, null, Mutability.LIVE)), updates(p));
    assertTrue(
        text(p).contains("  - disk vdc (detach, live; volume kept: " + VDC_FILE + ")\n"), text(p));
  }

  @Test
  void aDiskTheGuestDidNotReleaseIsPendingNotTriedAgain() {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(VDA))),
            guest(
                RunState.RUNNING,
                Map.of(Field.DISKS, List.of(VDA)),
                Map.of(Field.DISKS, List.of(VDA, VDC)),
                Set.of(Field.DISKS)));
    assertEquals(List.of(), p.steps());
    assertEquals(List.of(Field.DISKS), p.restartPending());
  }

  @Test
  void aLargerDiskIsGrownLiveASmallerOneNeedsANewGuest() {
    DiskSpec bigger = DiskSpec.blank("vdb", 200);
    ResourcePlan grown =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(bigger))),
            running(Map.of(Field.DISKS, List.of(VDB))));
    assertEquals(
        List.of(new FieldChange(Field.DISKS, VDB, bigger, Mutability.LIVE)), updates(grown));
    assertTrue(text(grown).contains("~ disk vdb: size 100 GiB -> 200 GiB"), text(grown));
    ResourcePlan shrunk =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(VDB))),
            running(Map.of(Field.DISKS, List.of(bigger))));
    assertEquals(List.of(), shrunk.steps());
    assertEquals(
        List.of(new FieldChange(Field.DISKS, bigger, VDB, Mutability.REPLACE)),
        shrunk.recreateRequired());
  }

  @Test
  void aDiskSettingWaitsForARestartItsSourceForANewGuest() {
    DiskSpec scsi =
        new DiskSpec(
            "vdb", "scsi", null, null, null, 100L, null, null, "none", null, null, false, false,
            null, null);
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(scsi))),
            running(Map.of(Field.DISKS, List.of(VDB))));
    assertEquals(List.of(new FieldChange(Field.DISKS, VDB, scsi, Mutability.RESTART)), updates(p));
    assertEquals(List.of(Field.DISKS), p.restartPending());
    assertTrue(text(p).contains("~ disk vdb: bus virtio -> scsi, cache (none) -> none"), text(p));

    DiskSpec image =
        new DiskSpec(
            "vdb",
            "virtio",
            "/srv/base.qcow2",
            "cow",
            null,
            100L,
            null,
            null,
            null,
            null,
            null,
            false,
            false,
            null,
            null);
    ResourcePlan q =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(image))),
            running(Map.of(Field.DISKS, List.of(VDB))));
    assertEquals(1, q.recreateRequired().size());
    assertEquals(List.of(), q.steps());
  }

  @Test
  void nicsAddedAndRemovedLiveAndMatchedByMac() {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.NICS, List.of(NIC2))),
            running(Map.of(Field.NICS, List.of(NIC1, NIC2))));
    assertEquals(List.of(new FieldChange(Field.NICS, NIC1, null, Mutability.LIVE)), updates(p));
    assertTrue(text(p).contains("  - nic " + MAC1 + " (unplug, live)\n"), text(p));

    NicSpec unnamed = new NicSpec(NicSpec.Type.NETWORK, "default", null, null, null);
    ResourcePlan q =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.NICS, List.of(NIC1, unnamed))),
            running(Map.of(Field.NICS, List.of(NIC1))));
    assertEquals(
        List.of(
            new FieldChange(
                Field.NICS,
                null,
                new NicSpec(NicSpec.Type.NETWORK, "default", null, "virtio", null),
                Mutability.LIVE)),
        updates(q));
    assertTrue(text(q).contains("  + nic (network default, live)\n"), text(q));
  }

  @Test
  void nicsWithoutMacMatchByPositionAndKeepTheirGeneratedMac() {
    NicSpec unnamed = new NicSpec(NicSpec.Type.BRIDGE, "br0", null, null, null);
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.NICS, List.of(unnamed))),
            running(Map.of(Field.NICS, List.of(NIC2))));
    assertEquals(List.of(), p.steps(), "the MAC libvirt generated is no difference");
  }

  @Test
  void aNicsLinkIsLiveItsModelAtRestart() {
    NicSpec down = new NicSpec(NicSpec.Type.NETWORK, "backend", MAC1, null, "down");
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.NICS, List.of(down))),
            running(Map.of(Field.NICS, List.of(NIC1))));
    assertEquals(
        List.of(
            new FieldChange(
                Field.NICS,
                NIC1,
                new NicSpec(NicSpec.Type.NETWORK, "backend", MAC1, "virtio", "down"),
                Mutability.LIVE)),
        updates(p));
    assertTrue(text(p).contains("~ nic " + MAC1 + ": link up -> down"), text(p));

    NicSpec e1000 = new NicSpec(NicSpec.Type.NETWORK, "backend", MAC1, "e1000", null);
    ResourcePlan q =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.NICS, List.of(e1000))),
            running(Map.of(Field.NICS, List.of(NIC1))));
    assertEquals(List.of(Field.NICS), q.restartPending());
  }

  @Test
  void theJsonNamesEachItem() {
    ResourcePlan p =
        plan(
            spec(Ensure.RUNNING, Map.of(Field.DISKS, List.of(VDA, VDB))),
            running(Map.of(Field.DISKS, List.of(VDA, VDC))));
    var changes = PlanJson.of(new Plan(List.of(p))).get("resources").get(0).get("changes");
    assertEquals(2, changes.size());
    assertEquals("vdb", changes.get(0).get("item").get("id").asText());
    assertEquals("add", changes.get(0).get("item").get("op").asText());
    assertEquals("remove", changes.get(1).get("item").get("op").asText());
    assertEquals(VDC_FILE, changes.get(1).get("item").get("volume_kept").asText());
    assertEquals(100, changes.get(0).get("after").get("size").asInt());
  }
}
