package io.virtd.core.manifest;

import java.util.Locale;

/**
 * One item of {@code nics}: its source (a libvirt network, a host bridge, or macvtap on a host
 * device), MAC address, model and link state. NICs with a {@code mac} are matched by it, the others
 * by position. Optional values are null when not given.
 *
 * @param type what {@code source} names
 * @param mac lower-case {@code xx:xx:xx:xx:xx:xx}, unicast; null when the manifest leaves it out
 * @param model null for {@code network_model}, else virtio
 * @param link {@code up} or {@code down}; null when not given (up)
 */
public record NicSpec(Type type, String source, String mac, String model, String link) {

  /** The key that names a NIC's source. */
  public enum Type {
    NETWORK,
    BRIDGE,
    DIRECT;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The link state, {@code up} when not given. */
  public String linkState() {
    return link == null ? "up" : link;
  }

  /** The same NIC with another MAC address. */
  public NicSpec withMac(String address) {
    return new NicSpec(type, source, address, model, link);
  }

  /** The same NIC on another source. */
  public NicSpec withSource(Type sourceType, String name) {
    return new NicSpec(sourceType, name, mac, model, link);
  }

  /** The same NIC with another model. */
  public NicSpec withModel(String nicModel) {
    return new NicSpec(type, source, mac, nicModel, link);
  }

  /** The same NIC with another link state. */
  public NicSpec withLink(String state) {
    return new NicSpec(type, source, mac, model, state);
  }

  /** How the NIC reads in a plan: {@code network backend}. */
  public String describe() {
    return type.key() + " " + source;
  }

  /** Whether {@code mac} is a multicast address (the lowest bit of its first octet set). */
  public static boolean multicast(String mac) {
    return (Integer.parseInt(mac.substring(0, 2), 16) & 1) == 1;
  }
}
