package io.virtd.core.spi;

import java.util.List;
import java.util.Locale;

/**
 * One address of one of a guest's NICs, as the hypervisor reported it: observed only, never
 * compared with a manifest.
 *
 * @param mac the NIC's MAC address, lower case ({@code 52:54:00:12:34:56}); empty when the driver
 *     cannot tell which NIC (an OpenVZ venet address)
 * @param ip an IPv4 address, or an IPv6 address as RFC 5952 writes it
 * @param prefix the prefix length ({@code 24}), or -1 when unknown
 * @param source where it was learnt
 */
public record GuestAddress(String mac, String ip, int prefix, Source source) {

  /** Where an address was learnt, in the order libvirt guests are asked. */
  public enum Source {
    /** The DHCP lease of a libvirt network. */
    LEASE,
    /** The QEMU guest agent inside the guest. */
    AGENT,
    /** The host's ARP table. */
    ARP,
    /** The guest's configuration (an OpenVZ container's {@code ipaddr}). */
    CONFIG;

    /** The word plans, lists and the API show: {@code lease}. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  @Override
  public String toString() {
    return text();
  }

  /** {@code 192.168.50.10/24 (lease)}. */
  public String text() {
    return ip + (prefix >= 0 ? "/" + prefix : "") + " (" + source.word() + ")";
  }

  /** Addresses as one cell of a table: {@code 192.168.50.10/24 (lease), …}, {@code -} for none. */
  public static String text(List<GuestAddress> addresses) {
    return addresses.isEmpty()
        ? "-"
        : String.join(", ", addresses.stream().map(GuestAddress::text).toList());
  }
}
