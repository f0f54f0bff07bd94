package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.assertError;
import static io.virtd.core.manifest.Manifests.load;
import static io.virtd.core.manifest.Manifests.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The on_* values libvirt's qemu driver refuses at define are errors at FILE:LINE:COL from {@code
 * validate} for kvm and qemu guests (Xen takes them all), as a key the driver lacks is.
 */
class QemuLifecycleActionsTest {
  @TempDir Path dir;

  // ---- lifecycle actions QEMU refuses at define ----

  @ParameterizedTest
  @CsvSource({
    "kvm, on_poweroff, preserve, 4, 14, `on_poweroff: preserve` is not supported by QEMU (virt_type kvm): use destroy or restart",
    "qemu, on_reboot, preserv, 4, 12, `on_reboot: preserve` is not supported by QEMU (virt_type qemu): use destroy or restart",
    "kvm, on_poweroff, rename-restart, 4, 14, `on_poweroff: rename-restart` is not supported by QEMU",
    "kvm, on_reboot, rename-restart, 4, 12, `on_reboot: rename-restart` is not supported by QEMU",
    "kvm, on_crash, rename-restart, 4, 11, `on_crash: rename-restart` is not supported by QEMU (virt_type kvm): use destroy or restart or preserve"
  })
  void lifecycleActionsQemuRefusesAreErrorsAtTheValue(
      String type, String key, String value, int row, int col, String message) throws Exception {
    String text = "virt: web01\nvirt_type: " + type + "\nmemory: 64\n" + key + ": " + value + "\n";
    DesiredState s = load(dir, text);
    assertError(onlyProblem(s), row, col, message);
    assertTrue(s.resources().isEmpty());
  }

  @ParameterizedTest
  @CsvSource({
    "kvm, on_crash, preserve",
    "kvm, on_poweroff, restart",
    "qemu, on_reboot, destroy",
    "xen-fullyvirt, on_poweroff, preserve",
    "xen-paravirt, on_reboot, rename-restart",
    "xen-fullyvirt, on_crash, rename-restart"
  })
  void lifecycleActionsTheHypervisorTakesStayValid(String type, String key, String value)
      throws Exception {
    DesiredState s =
        load(dir, "virt: web01\nvirt_type: " + type + "\n" + key + ": " + value + "\n");
    assertEquals(List.of(), s.problems());
  }

  @Test
  void qemuCannotDestroyOnRebootAndRestartOnPoweroff() throws Exception {
    Problem p =
        onlyProblem(
            load(dir, "virt: web01\nvirt_type: kvm\non_poweroff: restart\non_reboot: destroy\n"));
    assertError(
        p,
        4,
        12,
        "`on_reboot: destroy` with `on_poweroff: restart` is not supported by QEMU (virt_type kvm)");
  }
}
