package io.virtd.libvirt;

import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.w3c.dom.Element;

/**
 * What a definition needs to know of a remote hypervisor ({@link DomainWriter.Host}), asked of
 * libvirt rather than of this machine: its architecture from its capabilities, and whether a NIC
 * name is a bridge: a name the hypervisor has no libvirt network by (its {@code /sys/class/net} is
 * not this machine's to read). The time zone of {@code clocksync: timezone} stays this machine's:
 * libvirt does not report the hypervisor's.
 */
final class RemoteHost {
  private RemoteHost() {}

  static DomainWriter.Host of(Connect c) throws LibvirtException {
    return new DomainWriter.Host(
        arch(c.getCapabilities()), name -> !isNetwork(c, name), DomainWriter.hostTimezone());
  }

  /** The host's architecture in libvirt's spelling ({@code x86_64}); the local one if unnamed. */
  static String arch(String capabilities) {
    Element host =
        DomainWriter.first(DomainWriter.parse(capabilities).getDocumentElement(), "host");
    Element cpu = host == null ? null : DomainWriter.first(host, "cpu");
    Element arch = cpu == null ? null : DomainWriter.first(cpu, "arch");
    return arch == null || arch.getTextContent().isBlank()
        ? DomainWriter.Host.local().arch()
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
