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
