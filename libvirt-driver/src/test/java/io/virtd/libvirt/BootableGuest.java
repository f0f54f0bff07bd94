package io.virtd.libvirt;

import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A tiny guest that really boots: Debian's kernel and a busybox initramfs whose /init prints the
 * {@code virtd_marker:} line of its cloud-init seed's user-data to the serial console ({@code
 * virtd-guest: marker VALUE}) and powers off when the ACPI power button is pressed. Built by {@code
 * src/test/guest/build-guest.sh} from {@code apt-get download}ed packages (network and apt's lists
 * needed the first time), cached per machine in {@code /var/cache/virtd-test/guest-KERNEL-RECIPE}
 * (readable by the QEMU user, unlike a JUnit temporary directory). Boot it under TCG ({@code
 * virt_type: qemu}): this kernel hangs under KVM on the nested hosts CI runs on.
 */
final class BootableGuest {
  static final Path CACHE =
      Path.of(System.getProperty("virtd.it.guestCache", "/var/cache/virtd-test"));
  static final Path SCRIPT = Path.of("src/test/guest/build-guest.sh");

  private static Path built;

  private BootableGuest() {}

  /**
   * The boot_location directory ({@code vmlinuz}, {@code initrd.img}), built on first use (at most
   * 10 minutes; the script's stderr goes to the console).
   */
  static synchronized Path bootLocation() throws IOException, InterruptedException {
    if (built != null) {
      return built;
    }
    Commands.Result r =
        Commands.run(
            new ProcessBuilder(
                    List.of("bash", SCRIPT.toAbsolutePath().toString(), CACHE.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT),
            Duration.ofMinutes(10));
    String out = r.out().strip();
    if (r.exit() != 0) {
      throw new IOException(
          "building the test guest failed (" + SCRIPT + "): see its output above");
    }
    Path dir = Path.of(out.lines().reduce((a, b) -> b).orElse(""));
    if (!Files.isRegularFile(dir.resolve("vmlinuz"))
        || !Files.isRegularFile(dir.resolve("initrd.img"))) {
      throw new IOException("the test guest build printed no boot_location: " + out);
    }
    built = dir;
    return dir;
  }
}
