package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.Unset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ManifestExport}: a guest as read, written as a manifest the loader reads back. */
class ManifestExportTest {
  @Test
  void everyManagedValueIsWrittenAndReadBackAsTheSameValueButNoSecret(@TempDir Path dir)
      throws Exception {
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.put(Field.VIRT_TYPE, VirtType.QEMU);
    p.put(Field.MEMORY, 768L * 1024);
    p.put(Field.MAX_MEMORY, 1_000_001L); // not whole MiB: written in KiB
    p.put(Field.CPUS, 2);
    p.put(Field.AUTOBOOT, true);
    p.put(Field.ON_CRASH, LifecycleAction.RESTART);
    p.put(Field.DESC, "a <b> & \"c\"\nvirt: injected");
    p.put(Field.INTERFACES, List.of("default", "br0"));
    p.put(Field.GUEST_AGENT, true);
    p.put(Field.VIDEO_MODEL, Unset.VALUE);
    p.put(Field.VNC_PASSWORD, "hunter2");
    ObservedVm vm = new ObservedVm("web01", RunState.SHUTOFF, p, Map.of(), Optional.empty(), 0, 0);

    String yaml = ManifestExport.yaml(vm, DriverKind.LIBVIRT, Optional.of("qemu:///system"));
    assertFalse(yaml.contains("hunter2"), yaml);
    assertFalse(yaml.contains("video_model"), yaml);
    Files.writeString(dir.resolve("web01.yaml"), yaml);
    DesiredState d = new ManifestLoader().load(List.of(dir));
    assertEquals(List.of(), d.problems(), yaml);
    VmSpec spec = d.get("web01").orElseThrow();
    assertEquals(Ensure.STOPPED, spec.ensure());
    assertEquals(VirtType.QEMU, spec.virtType());
    for (Field f :
        List.of(
            Field.MEMORY,
            Field.MAX_MEMORY,
            Field.CPUS,
            Field.AUTOBOOT,
            Field.ON_CRASH,
            Field.DESC,
            Field.INTERFACES,
            Field.GUEST_AGENT)) {
      assertEquals(p.get(f), spec.values().get(f), f.key() + " in\n" + yaml);
    }
    assertEquals(Optional.of("qemu:///system"), spec.connect());
    assertTrue(yaml.startsWith("virt: \"web01\"\n"), yaml);
  }

  @Test
  void aPausedGuestIsLeftAsItIs() {
    assertEquals(Ensure.RUNNING, ManifestExport.ensure(RunState.RUNNING));
    assertEquals(Ensure.STOPPED, ManifestExport.ensure(RunState.SHUTOFF));
    assertEquals(Ensure.INSTALLED, ManifestExport.ensure(RunState.PAUSED));
  }

  private static DiskSpec disk(
      String target, String bus, String path, Long size, String pool, String file) {
    return new DiskSpec(
        target, bus, null, null, path, size, pool, "raw", null, null, null, false, false, null,
        file);
  }

  @Test
  void devicesTheSingleKeysCannotSayAreWrittenAsListsAndReadBackAsTheSameDevices(@TempDir Path dir)
      throws Exception {
    Path storage = dir.resolve("storage");
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.put(Field.VIRT_TYPE, VirtType.KVM);
    p.put(Field.VIRT_PATH, "/srv/db01.img");
    p.put(Field.INTERFACES, List.of("default", "br0"));
    p.put(Field.NETWORK_MODEL, "virtio,e1000");
    List<DiskSpec> disks =
        List.of(
            disk("vda", "virtio", "/srv/db01.img", null, null, "/srv/db01.img"),
            disk("vdb", "virtio", null, 100L, "fast", "/srv/fast/db01-vdb.raw"),
            disk("sda", "scsi", null, 2L, "virtd-storage-1", storage + "/db01-sda.raw"));
    p.put(Field.DISKS, disks);
    List<NicSpec> nics =
        List.of(
            new NicSpec(NicSpec.Type.NETWORK, "default", "52:54:00:12:34:56", "virtio", null),
            new NicSpec(NicSpec.Type.BRIDGE, "br0", "52:54:00:12:34:57", "e1000", "down"),
            new NicSpec(NicSpec.Type.DIRECT, "eno2", "52:54:00:12:34:58", "virtio", "up"));
    p.put(Field.NICS, nics);
    ObservedVm vm = new ObservedVm("db01", RunState.SHUTOFF, p, Map.of(), Optional.empty(), 0, 0);

    String yaml =
        ManifestExport.yaml(vm, DriverKind.LIBVIRT, Optional.empty(), Optional.of(storage));
    for (String single : List.of("virt_path", "interfaces", "network_model")) {
      assertFalse(yaml.contains(single + ":"), yaml);
    }
    Files.writeString(dir.resolve("db01.yaml"), yaml);
    DesiredState d = new ManifestLoader().load(List.of(dir.resolve("db01.yaml")));
    assertEquals(List.of(), d.problems(), yaml);
    VmSpec spec = d.get("db01").orElseThrow();
    assertEquals(
        List.of(
            disk("vda", "virtio", "/srv/db01.img", null, null, null),
            disk("vdb", "virtio", null, 100L, "fast", null),
            disk("sda", "scsi", null, 2L, null, null)),
        spec.values().get(Field.DISKS),
        yaml);
    assertEquals(
        List.of(
            nics.get(0),
            nics.get(1),
            new NicSpec(NicSpec.Type.DIRECT, "eno2", "52:54:00:12:34:58", "virtio", null)),
        spec.values().get(Field.NICS),
        yaml);
  }

  @Test
  void oneVirtioDiskWithoutSettingsAndNicsWithoutModelsKeepTheSimpleKeys() {
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.put(Field.VIRT_TYPE, VirtType.KVM);
    p.put(Field.VIRT_PATH, "/guest/diskimage1");
    p.put(Field.INTERFACES, List.of("default"));
    p.put(Field.DISKS, List.of(disk("vda", "virtio", "/guest/diskimage1", null, null, null)));
    p.put(
        Field.NICS,
        List.of(new NicSpec(NicSpec.Type.NETWORK, "default", "aa:bb:cc:dd:ee:ff", null, null)));
    ObservedVm vm = new ObservedVm("test", RunState.RUNNING, p, Map.of(), Optional.empty(), 0, 0);
    String yaml = ManifestExport.yaml(vm, DriverKind.LIBVIRT, Optional.empty());
    assertTrue(yaml.contains("virt_path: \"/guest/diskimage1\"\n"), yaml);
    assertTrue(yaml.contains("interfaces: [\"default\"]\n"), yaml);
    assertFalse(yaml.contains("disks:") || yaml.contains("nics:"), yaml);
  }
}
