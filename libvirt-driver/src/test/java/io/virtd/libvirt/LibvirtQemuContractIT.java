package io.virtd.libvirt;

import io.virtd.core.manifest.VirtType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * The driver contract on a real libvirtd and QEMU ({@code qemu:///system}); skipped where there is
 * none. Guests have no disk, so they sit in the BIOS: they ignore ACPI and have no balloon driver.
 * Guests are {@code kvm} when QEMU can use {@code /dev/kvm} (tried with a throw-away guest, since
 * the device may exist without the QEMU user being allowed to open it), {@code qemu} otherwise;
 * {@code -Dvirtd.it.virtType=qemu} forces the choice.
 */
class LibvirtQemuContractIT extends LibvirtContract {
  static final String URI = "qemu:///system";
  private static VirtType type;

  @BeforeAll
  static void reachable() throws Exception {
    DomainCleaner.assumeReachable(URI);
    String forced = System.getProperty("virtd.it.virtType");
    type =
        forced != null
            ? VirtType.valueOf(forced.toUpperCase(java.util.Locale.ROOT))
            : kvmUsable() ? VirtType.KVM : VirtType.QEMU;
  }

  static boolean kvmUsable() throws LibvirtException {
    if (!Files.exists(Path.of("/dev/kvm"))) {
      return false;
    }
    String prefix = "virtd-it-kvmprobe-" + UUID.randomUUID().toString().substring(0, 8);
    Connect c = new Connect(URI);
    try {
      c.domainCreateXML(
              "<domain type='kvm'><name>"
                  + prefix
                  + "</name><memory unit='KiB'>16384</memory>"
                  + "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>",
              0)
          .free();
      return true;
    } catch (LibvirtException e) {
      System.err.println(
          "KVM is not usable by QEMU here, guests use TCG: "
              + Errors.message(e).lines().findFirst().orElse(""));
      return false;
    } finally {
      c.close();
      DomainCleaner.removeAll(URI, prefix);
    }
  }

  @Override
  protected String uri() {
    return URI;
  }

  @Override
  protected VirtType virtType() {
    return type;
  }

  @Override
  protected boolean ignoresAcpi() {
    return true;
  }

  @Override
  protected boolean followsBalloon() {
    return false;
  }

  @Override
  protected boolean followsVcpuUnplug() {
    return false;
  }

  /** The guests sit in their BIOS: nothing in them answers an unplug request. */
  @Override
  protected boolean releasesUnpluggedDevices() {
    return false;
  }

  /** A bridge of this run's own (NICs of running QEMU guests need one that exists). */
  static final String BRIDGE = System.getProperty("virtd.it.prefix", "virtd-it-") + "br";

  @Override
  protected String bridge() {
    return BRIDGE;
  }

  /** Where the guests' volumes go: a directory (and pool) of this run's own, removed after it. */
  static final Path STORAGE =
      Path.of(
          "/var/lib/virtd-test", System.getProperty("virtd.it.prefix", "virtd-it-") + "contract");

  @Override
  protected io.virtd.core.spi.VmDriver openDriver() throws Exception {
    return new LibvirtDriverFactory().open(URI, StorageFlows.withStorageDir(STORAGE));
  }

  @BeforeAll
  static void bridgeUp() throws Exception {
    HostBridge.create(BRIDGE);
  }

  @org.junit.jupiter.api.AfterAll
  static void bridgeDown() throws Exception {
    try {
      HostBridge.delete(BRIDGE);
      StorageFlows.removePoolsUnder(URI, STORAGE);
    } finally {
      if (Files.exists(STORAGE)) {
        try (var s = Files.walk(STORAGE)) {
          for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
  }
}
