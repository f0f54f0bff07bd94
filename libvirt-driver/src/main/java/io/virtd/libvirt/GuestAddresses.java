package io.virtd.libvirt;

import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.GuestAddress.Source;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.libvirt.Domain;
import org.libvirt.DomainInterface;
import org.libvirt.LibvirtException;

/**
 * A guest's addresses per NIC, from libvirt's {@code virDomainInterfaceAddresses}: the DHCP lease
 * of a libvirt network, then the guest agent, then the host's ARP table. For each NIC (by MAC) the
 * first source that knows any address gives all of its addresses, each shown with that source.
 */
final class GuestAddresses {
  private GuestAddresses() {}

  /** The sources in the order they are asked. */
  static final List<Source> ORDER = List.of(Source.LEASE, Source.AGENT, Source.ARP);

  /** {@code virDomainInterfaceAddressesSource} of a source libvirt knows. */
  static int code(Source s) {
    return switch (s) {
      case LEASE -> Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE;
      case AGENT -> Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT;
      case ARP -> Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP;
      case CONFIG -> throw new IllegalArgumentException("not a libvirt source: " + s);
    };
  }

  /**
   * Asks each source in turn, skipping the agent when the guest has no agent channel, and stops
   * once every NIC in {@code macs} has an address. A source that fails (no agent answering, no ARP
   * entry) gives nothing; it is never an error of the guest.
   */
  static List<GuestAddress> read(Domain domain, Collection<String> macs, boolean agent) {
    Map<String, List<GuestAddress>> byMac = new LinkedHashMap<>();
    for (Source s : ORDER) {
      if (s == Source.AGENT && !agent) {
        continue;
      }
      if (!macs.isEmpty() && byMac.keySet().containsAll(lower(macs))) {
        break;
      }
      Collection<DomainInterface> answer;
      try {
        answer = domain.interfaceAddresses(code(s), 0);
      } catch (LibvirtException e) {
        continue;
      }
      merge(byMac, from(answer, s));
    }
    List<GuestAddress> out = new ArrayList<>();
    byMac.values().forEach(out::addAll);
    return out;
  }

  /**
   * The addresses in one source's answer: IPv4 and global IPv6, loopback and link-local left out.
   */
  static List<GuestAddress> from(Collection<DomainInterface> answer, Source source) {
    List<GuestAddress> out = new ArrayList<>();
    for (DomainInterface nic : answer) {
      if (nic.hwAddr == null || nic.addrs == null) {
        continue;
      }
      for (DomainInterface.InterfaceAddress a : nic.addrs) {
        if (a.address == null || a.address.isLoopbackAddress() || a.address.isLinkLocalAddress()) {
          continue;
        }
        String ip =
            a.address instanceof Inet4Address
                ? a.address.getHostAddress()
                : ipv6(a.address.getAddress());
        out.add(new GuestAddress(nic.hwAddr.toLowerCase(Locale.ROOT), ip, a.prefixLength, source));
      }
    }
    return out;
  }

  /** Adds a later source's addresses for the NICs no earlier source knew. */
  static void merge(Map<String, List<GuestAddress>> byMac, List<GuestAddress> later) {
    Map<String, List<GuestAddress>> fresh = new LinkedHashMap<>();
    for (GuestAddress a : later) {
      if (!byMac.containsKey(a.mac())) {
        fresh.computeIfAbsent(a.mac(), m -> new ArrayList<>()).add(a);
      }
    }
    byMac.putAll(fresh);
  }

  /** An IPv6 address as RFC 5952 writes it (as {@code ip addr} shows it): {@code 2001:db8::10}. */
  static String ipv6(byte[] b) {
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1; // a single zero group is not shortened
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append(i == 0 ? "::" : ":");
        i += bestLength - 1;
        continue;
      }
      out.append(Integer.toHexString(g[i]));
      if (i < 7) {
        out.append(':');
      }
    }
    return out.toString();
  }

  private static List<String> lower(Collection<String> macs) {
    return macs.stream().map(m -> m.toLowerCase(Locale.ROOT)).toList();
  }
}
