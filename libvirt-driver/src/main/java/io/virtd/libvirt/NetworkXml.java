package io.virtd.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A virtual network's definition as libvirt's {@code <network>} XML, and back: what a {@code
 * network} manifest declares (forward mode, bridge, IPv4 address, DHCP range and hosts).
 *
 * <p>{@code isolated} has no {@code <forward>}; {@code bridge} forwards to an existing host bridge
 * and has no address of its own. Only the first IPv4 {@code <ip>} is read; IPv6 addresses and other
 * elements a network made by hand may have are not virtd's and are kept by an update (see {@link
 * NetworkUpdate}).
 */
final class NetworkXml {
  private NetworkXml() {}

  enum Forward {
    NAT,
    ROUTE,
    BRIDGE,
    ISOLATED;

    String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  record Address(String address, int prefix) {}

  record Range(String start, String end) {}

  /** One DHCP host: a fixed address (and name) for a MAC. */
  record Host(String mac, String ip, Optional<String> name) {
    /** The {@code <host>} element, as {@code virNetworkUpdate} takes it. */
    String xml() {
      Document doc = Dom.newDocument();
      Element host = doc.createElement("host");
      doc.appendChild(host);
      fill(host);
      return Dom.serialize(doc);
    }

    void fill(Element host) {
      host.setAttribute("mac", mac);
      name.ifPresent(n -> host.setAttribute("name", n));
      host.setAttribute("ip", ip);
    }
  }

  record Definition(
      String name,
      Forward forward,
      Optional<String> bridge,
      Optional<Address> ip,
      Optional<Range> range,
      List<Host> hosts) {
    Definition {
      hosts = List.copyOf(hosts);
      if (forward == Forward.BRIDGE && (bridge.isEmpty() || ip.isPresent())) {
        throw new IllegalArgumentException("a bridge network names a host bridge and no address");
      }
      if (ip.isEmpty() && (range.isPresent() || !hosts.isEmpty())) {
        throw new IllegalArgumentException("DHCP needs the network's address");
      }
    }
  }

  static String write(Definition d) {
    Document doc = Dom.newDocument();
    Element network = doc.createElement("network");
    doc.appendChild(network);
    Dom.text(network, "name", d.name());
    if (d.forward() != Forward.ISOLATED) {
      Dom.child(network, "forward").setAttribute("mode", d.forward().word());
    }
    d.bridge().ifPresent(b -> Dom.child(network, "bridge").setAttribute("name", b));
    d.ip()
        .ifPresent(
            a -> {
              Element ip = Dom.child(network, "ip");
              ip.setAttribute("address", a.address());
              ip.setAttribute("prefix", Integer.toString(a.prefix()));
              if (d.range().isPresent() || !d.hosts().isEmpty()) {
                Element dhcp = Dom.child(ip, "dhcp");
                d.range()
                    .ifPresent(
                        r -> {
                          Element range = Dom.child(dhcp, "range");
                          range.setAttribute("start", r.start());
                          range.setAttribute("end", r.end());
                        });
                for (Host h : d.hosts()) {
                  h.fill(Dom.child(dhcp, "host"));
                }
              }
            });
    return Dom.serialize(doc);
  }

  /**
   * A saved network definition changed in place to {@code d}: its forward mode, bridge, first IPv4
   * address, DHCP range and hosts. Everything else it holds (its UUID, MAC address, IPv6 addresses,
   * DNS, metadata) is kept, so a network virtd adopted loses nothing it did not declare.
   */
  static String rewrite(String saved, Definition d) {
    Document doc = Dom.parse(saved);
    Element network = doc.getDocumentElement();
    Element forward = Dom.first(network, "forward");
    Forward was = read(saved).forward();
    if (d.forward() == Forward.ISOLATED) {
      if (forward != null) {
        network.removeChild(forward);
      }
    } else {
      if (forward != null && was != d.forward()) {
        network.removeChild(forward); // its mode's own children (<nat>, <interface>) go with it
        forward = null;
      }
      if (forward == null) {
        forward = Dom.child(network, "forward");
      }
      forward.setAttribute("mode", d.forward().word());
    }
    d.bridge().ifPresent(b -> Dom.firstOrChild(network, "bridge").setAttribute("name", b));
    if (d.ip().isPresent()) {
      Element ip = null;
      for (Element e : Dom.children(network, "ip")) {
        if (e.getAttribute("family").isEmpty() || e.getAttribute("family").equals("ipv4")) {
          ip = e;
          break;
        }
      }
      if (ip == null) {
        ip = Dom.child(network, "ip");
      }
      ip.setAttribute("address", d.ip().get().address());
      ip.removeAttribute("netmask");
      ip.setAttribute("prefix", Integer.toString(d.ip().get().prefix()));
      if (d.range().isPresent() || !d.hosts().isEmpty() || Dom.first(ip, "dhcp") != null) {
        Element dhcp = Dom.firstOrChild(ip, "dhcp");
        d.range()
            .ifPresent(
                r -> {
                  Element range = Dom.firstOrChild(dhcp, "range");
                  range.setAttribute("start", r.start());
                  range.setAttribute("end", r.end());
                });
        for (Element h : Dom.children(dhcp, "host")) {
          dhcp.removeChild(h);
        }
        for (Host h : d.hosts()) {
          h.fill(Dom.child(dhcp, "host"));
        }
      }
    }
    return Dom.serialize(doc);
  }

  /** Reads a network's XML (live or saved) back into what a manifest could have declared. */
  static Definition read(String xml) {
    Element network = Dom.parse(xml).getDocumentElement();
    Element nameElement = Dom.first(network, "name");
    String name = nameElement == null ? "" : nameElement.getTextContent().strip();
    Element forwardElement = Dom.first(network, "forward");
    Forward forward = Forward.ISOLATED;
    if (forwardElement != null) {
      String mode = forwardElement.getAttribute("mode");
      forward =
          switch (mode.isEmpty() ? "nat" : mode) { // libvirt's default mode is nat
            case "route" -> Forward.ROUTE;
            case "bridge" -> Forward.BRIDGE;
            default -> Forward.NAT;
          };
    }
    Element bridgeElement = Dom.first(network, "bridge");
    Optional<String> bridge =
        bridgeElement == null || bridgeElement.getAttribute("name").isEmpty()
            ? Optional.empty()
            : Optional.of(bridgeElement.getAttribute("name"));
    Optional<Address> address = Optional.empty();
    Optional<Range> range = Optional.empty();
    List<Host> hosts = new ArrayList<>();
    for (Element ip : Dom.children(network, "ip")) {
      String family = ip.getAttribute("family");
      if (!family.isEmpty() && !family.equals("ipv4")) {
        continue;
      }
      address = Optional.of(new Address(ip.getAttribute("address"), prefix(ip)));
      Element dhcp = Dom.first(ip, "dhcp");
      if (dhcp != null) {
        Element r = Dom.first(dhcp, "range");
        if (r != null) {
          range = Optional.of(new Range(r.getAttribute("start"), r.getAttribute("end")));
        }
        for (Element h : Dom.children(dhcp, "host")) {
          hosts.add(
              new Host(
                  h.getAttribute("mac"),
                  h.getAttribute("ip"),
                  h.hasAttribute("name") ? Optional.of(h.getAttribute("name")) : Optional.empty()));
        }
      }
      break;
    }
    return new Definition(name, forward, bridge, address, range, hosts);
  }

  /** The prefix length, from {@code prefix} or a dotted {@code netmask}. */
  private static int prefix(Element ip) {
    if (!ip.getAttribute("prefix").isEmpty()) {
      return Integer.parseInt(ip.getAttribute("prefix"));
    }
    String mask = ip.getAttribute("netmask");
    if (mask.isEmpty()) { // libvirt then takes the address's class
      int first = Integer.parseInt(ip.getAttribute("address").split("\\.")[0]);
      return first < 128 ? 8 : first < 192 ? 16 : 24;
    }
    int bits = 0;
    for (String octet : mask.split("\\.")) {
      bits += Integer.bitCount(Integer.parseInt(octet) & 0xff);
    }
    return bits;
  }
}
