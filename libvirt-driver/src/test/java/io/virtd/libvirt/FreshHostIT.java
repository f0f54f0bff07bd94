package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.mib;
import static io.virtd.core.testing.DriverContract.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.Commands;
import io.virtd.core.testing.DriverContract;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a machine with only libvirt's daemon packages (no {@code libvirt-daemon-system}) lacks, and
 * the install step makes: the directories Debian's package ships, with its owners and modes, and a
 * first guest start that logs its serial console.
 */
class FreshHostIT {
  static final String URI = "qemu:///system";
  static final Path SCRIPT = Path.of("..", "scripts", "libvirt-dirs").toAbsolutePath().normalize();

  @TempDir Path root;

  /** Written from libvirt-daemon-system 9.0.0-4+deb12u2: its file list and its postinst. */
  static final Map<String, String> DEBIAN =
      Map.ofEntries(
          Map.entry("/var/log/libvirt", "root:root rwxr-xr-x"),
          Map.entry("/var/log/libvirt/qemu", "root:root rwxr-xr-x"),
          Map.entry("/var/lib/libvirt", "root:root rwxr-xr-x"),
          Map.entry("/var/lib/libvirt/images", "root:root rwx--x--x"),
          Map.entry("/var/lib/libvirt/boot", "root:root rwx--x--x"),
          Map.entry("/var/lib/libvirt/qemu", "libvirt-qemu:libvirt-qemu rwxr-x---"),
          Map.entry("/var/lib/libvirt/qemu/channel", "libvirt-qemu:libvirt-qemu rwxr-x---"),
          Map.entry("/var/lib/libvirt/qemu/channel/target", "libvirt-qemu:libvirt-qemu rwxr-x---"),
          Map.entry("/var/cache/libvirt", "root:root rwx--x--x"),
          Map.entry("/var/cache/libvirt/qemu", "root:root rwx--x--x"));

  @Test
  void theInstallStepMakesTheDirectoriesDebiansPackageWouldAndLeavesExistingOnesAlone()
      throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "needs root to give directories owners");
    Files.createDirectories(root.resolve("var/log/libvirt"));
    Files.setPosixFilePermissions(
        root.resolve("var/log/libvirt"), PosixFilePermissions.fromString("rwx------"));

    var run = Commands.run(List.of(SCRIPT.toString(), root.toString()), Duration.ofSeconds(30));
    assertEquals(0, run.exit(), run.out());

    for (var e : DEBIAN.entrySet()) {
      Path dir = root.resolve(e.getKey().substring(1));
      String want =
          e.getKey().equals("/var/log/libvirt") ? "root:root rwx------" : e.getValue(); // existed
      assertEquals(want, describe(dir), e.getKey());
    }
    var again = Commands.run(List.of(SCRIPT.toString(), root.toString()), Duration.ofSeconds(30));
    assertEquals(0, again.exit(), "a second run changes nothing and succeeds: " + again.out());
  }

  @Test
  void aNewGuestStartsAndItsConsoleIsLogged() throws Exception {
    try (var d = new LibvirtDriverFactory().open(URI, Config.defaults())) {
      d.observeAll();
    } catch (DriverException e) {
      Assumptions.abort(URI + " is not reachable: " + e.getMessage());
    }
    String prefix = "virtd-it-fh-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    VirtType type = LibvirtQemuContractIT.kvmUsable() ? VirtType.KVM : VirtType.QEMU;
    VmSpec s = spec(prefix + "console", type, Field.MEMORY, mib(32), Field.CPUS, 1);
    Path log = DomainWriter.consoleLogPath(s.name());
    try (VmDriver driver = new LibvirtDriverFactory().open(URI, Config.defaults())) {
      driver.create(s, DriverContract.mark(s, OwnershipMark.Origin.CREATED));
      driver.start(s.name());
      assertEquals(RunState.RUNNING, driver.observe(s.name()).orElseThrow().state());
      assertTrue(Files.isRegularFile(log), log + " is written by virtlogd");
    } finally {
      DomainCleaner.removeAll(URI, prefix);
      Files.deleteIfExists(log);
    }
  }

  private static String describe(Path dir) throws Exception {
    PosixFileAttributes a =
        Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    assertTrue(a.isDirectory(), dir + " is a directory");
    return a.owner().getName()
        + ":"
        + a.group().getName()
        + " "
        + PosixFilePermissions.toString(a.permissions());
  }
}
