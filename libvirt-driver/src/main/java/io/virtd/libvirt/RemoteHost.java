package io.virtd.libvirt;

import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.w3c.dom.Element;

/**
 * What a definition needs to know of a remote hypervisor ({@link Host}), asked of libvirt rather
 * than of this machine: its architecture from its capabilities, and whether a NIC name is a bridge:
 * a name the hypervisor has no libvirt network by (its {@code /sys/class/net} is not this machine's
 * to read). The time zone of {@code clocksync: timezone} stays this machine's: libvirt does not
 * report the hypervisor's.
 */
final class RemoteHost {
  private RemoteHost() {}

  static Host of(Connect c) throws LibvirtException {
    return new Host(arch(c.getCapabilities()), name -> !isNetwork(c, name), Host.localTimezone());
  }

  /** The host's architecture in libvirt's spelling ({@code x86_64}); the local one if unnamed. */
  static String arch(String capabilities) {
    Element host = Dom.first(Dom.parse(capabilities).getDocumentElement(), "host");
    Element cpu = host == null ? null : Dom.first(host, "cpu");
    Element arch = cpu == null ? null : Dom.first(cpu, "arch");
    return arch == null || arch.getTextContent().isBlank()
        ? Host.local().arch()
        : arch.getTextContent().strip();
  }

  private static boolean isNetwork(Connect c, String name) {
    try {
      Network n = c.networkLookupByName(name);
      n.free();
      return true;
    } catch (LibvirtException e) {
      if (!Errors.is(e, ErrorNumber.VIR_ERR_NO_NETWORK)) {
        throw new DomainWriter.Unsupported(
            "cannot tell whether `" + name + "` is a network or a bridge: " + Errors.message(e));
      }
      return false;
    }
  }
}
