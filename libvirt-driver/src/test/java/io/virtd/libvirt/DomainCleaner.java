package io.virtd.libvirt;

import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Removes every domain whose name starts with a prefix, with libvirt-java directly, so a test run
 * leaves nothing behind even when the driver under test is what failed.
 */
final class DomainCleaner {
  private DomainCleaner() {}

  /** Skips the calling test class where {@code uri} cannot be reached. */
  static void assumeReachable(String uri) {
    try (var d = new LibvirtDriverFactory().open(uri, io.virtd.core.config.Config.defaults())) {
      d.observeAll();
    } catch (io.virtd.core.spi.DriverException e) {
      org.junit.jupiter.api.Assumptions.abort(uri + " is not reachable: " + e.getMessage());
    }
  }

  /**
   * Removes the guests whose names start with {@code prefix}, the seeds and volumes under {@code
   * storage}, and their QEMU log files.
   */
  static void removeAllWithFiles(String uri, String prefix, java.nio.file.Path storage)
      throws LibvirtException, java.io.IOException {
    removeAll(uri, prefix);
    CloudInitSeed.deleteTree(storage);
    java.nio.file.Path logs = java.nio.file.Path.of("/var/log/libvirt/qemu");
    if (!java.nio.file.Files.isDirectory(logs)) {
      return;
    }
    try (var files = java.nio.file.Files.list(logs)) {
      for (java.nio.file.Path p :
          files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
        java.nio.file.Files.deleteIfExists(p);
      }
    }
  }

  static int removeAll(String uri, String prefix) throws LibvirtException {
    EventLoop.ensureStarted();
    Connect c = new Connect(uri);
    int removed = 0;
    try {
      for (Domain d : c.listAllDomains(0)) {
        try {
          if (!d.getName().startsWith(prefix)) {
            continue;
          }
          try {
            if (d.isActive() == 1) {
              d.destroy();
            }
          } catch (LibvirtException e) {
            // already off
          }
          try {
            d.undefine(
                LibvirtDriver.UNDEFINE_NVRAM
                    | LibvirtDriver.UNDEFINE_MANAGED_SAVE
                    | LibvirtDriver.UNDEFINE_SNAPSHOTS_METADATA);
          } catch (LibvirtException e) {
            try {
              d.undefine();
            } catch (LibvirtException again) {
              // transient and gone with the destroy
            }
          }
          removed++;
        } finally {
          d.free();
        }
      }
    } finally {
      c.close();
    }
    return removed;
  }
}
