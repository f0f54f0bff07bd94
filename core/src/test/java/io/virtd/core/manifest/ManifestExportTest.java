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
}
