package io.virtd.libvirt;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import java.util.List;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Writes one changeable manifest field into a domain document, keeping what virtd does not manage
 * (a NIC's MAC address and PCI slot, the CPU topology's shape, a maximum the manifest leaves
 * alone).
 */
final class DomainFieldWriter {
  private DomainFieldWriter() {}

  /** Writes one changeable field into the document; fields with no XML form are left alone. */
  static void apply(Document doc, Field f, Object value, Host host) {
    Element domain = doc.getDocumentElement();
    switch (f) {
      case MEMORY -> {
        long kib = ((Number) value).longValue();
        long max = kib(domain, "memory", kib);
        // a maximum the manifest does not set is kept for growing into, but lowered with the
        // memory: a guest without a balloon driver has its maximum, whatever the balloon says
        long current = kib(domain, "currentMemory", max);
        memory(domain, kib, kib > max || kib < current ? kib : max);
      }
      case MAX_MEMORY -> {
        long max = ((Number) value).longValue();
        memory(domain, Math.min(kib(domain, "currentMemory", max), max), max);
      }
      case CPUS -> {
        int n = ((Number) value).intValue();
        vcpus(domain, n, Math.max(n, intText(domain, "vcpu", n)));
      }
      case MAX_CPUS -> {
        int max = ((Number) value).intValue();
        Element vcpu = Dom.first(domain, "vcpu");
        int current =
            vcpu != null && vcpu.hasAttribute("current")
                ? intAttr(vcpu, "current")
                : intText(domain, "vcpu", max);
        vcpus(domain, Math.min(current, max), max);
      }
      case DESC -> Dom.setText(domain, "description", value.toString());
      case ON_POWEROFF, ON_REBOOT, ON_CRASH ->
          Dom.setText(domain, f.key(), ((LifecycleAction) value).key());
      case GRAPHICS -> graphics(domain, value.toString());
      case VNC_PASSWORD -> vncPassword(domain, value.toString());
      case CLOCKSYNC -> clock(domain, value.toString(), host);
      case INTERFACES -> interfaces(domain, listOf(value), host);
      case NETWORK_MODEL -> {
        for (Element nic : Dom.children(devices(domain), "interface")) {
          nicModel(nic, value.toString());
        }
      }
      case GUEST_AGENT -> guestAgent(domain, Boolean.TRUE.equals(value));
      default -> {
        // autoboot and disk_size are not XML; policy keys are not properties of the guest; the
        // cloud-init documents are a seed image (CloudInitSeed)
      }
    }
  }

  /** The name of the guest agent's virtio channel, as QEMU's agent looks for it. */
  static final String AGENT_CHANNEL = "org.qemu.guest_agent.0";

  /**
   * Adds the guest agent's channel (a unix socket libvirt makes and connects to) or removes every
   * channel of that name; other channels (SPICE's) stay.
   */
  private static void guestAgent(Element domain, boolean wanted) {
    Element devices = devices(domain);
    boolean present = false;
    for (Element channel : Dom.children(devices, "channel")) {
      Element target = Dom.first(channel, "target");
      if (target != null && AGENT_CHANNEL.equals(target.getAttribute("name"))) {
        if (wanted && !present) {
          present = true;
        } else {
          devices.removeChild(channel);
        }
      }
    }
    if (wanted && !present) {
      Element channel = Dom.child(devices, "channel");
      channel.setAttribute("type", "unix");
      Element target = Dom.child(channel, "target");
      target.setAttribute("type", "virtio");
      target.setAttribute("name", AGENT_CHANNEL);
    }
  }

  private static void memory(Element domain, long current, long max) {
    Dom.setText(domain, "memory", Long.toString(max)).setAttribute("unit", "KiB");
    Dom.setText(domain, "currentMemory", Long.toString(current)).setAttribute("unit", "KiB");
  }

  /** A size element's value in KiB, or {@code otherwise} when it is missing or unreadable. */
  private static long kib(Element domain, String name, long otherwise) {
    Element e = Dom.first(domain, name);
    if (e == null) {
      return otherwise;
    }
    try {
      return DomainReader.kib(
          e.hasAttribute("unit") ? e.getAttribute("unit") : null, e.getTextContent());
    } catch (IllegalArgumentException x) {
      return otherwise;
    }
  }

  private static int intText(Element domain, String name, int otherwise) {
    Element e = Dom.first(domain, name);
    try {
      return e == null ? otherwise : Integer.parseInt(e.getTextContent().strip());
    } catch (NumberFormatException x) {
      return otherwise;
    }
  }

  /** {@code current} vcpus online of {@code max}; the CPU topology follows the maximum. */
  private static void vcpus(Element domain, int current, int max) {
    int n = max;
    Element vcpu = Dom.setText(domain, "vcpu", Integer.toString(n));
    if (current < max) {
      vcpu.setAttribute("current", Integer.toString(current));
    } else {
      vcpu.removeAttribute("current");
    }
    for (Element e : Dom.children(domain, "vcpus")) {
      domain.removeChild(e);
    }
    Element cpu = Dom.first(domain, "cpu");
    Element topology = cpu == null ? null : Dom.first(cpu, "topology");
    if (topology != null) {
      int cores = intAttr(topology, "cores");
      int threads = intAttr(topology, "threads");
      int dies = topology.hasAttribute("dies") ? intAttr(topology, "dies") : 1;
      int per = cores * threads * dies;
      if (per > 0 && n % per == 0) {
        topology.setAttribute("sockets", Integer.toString(n / per));
      } else {
        topology.setAttribute("sockets", Integer.toString(n));
        topology.setAttribute("cores", "1");
        topology.setAttribute("threads", "1");
        if (topology.hasAttribute("dies")) {
          topology.setAttribute("dies", "1");
        }
      }
    }
  }

  private static int intAttr(Element e, String name) {
    try {
      return Integer.parseInt(e.getAttribute(name).strip());
    } catch (NumberFormatException x) {
      return 1;
    }
  }

  private static void graphics(Element domain, String value) {
    Element devices = devices(domain);
    List<Element> all = Dom.children(devices, "graphics");
    if (value.equals("disable")) {
      all.forEach(devices::removeChild);
      return;
    }
    Element vnc = null;
    for (Element g : all) {
      if (vnc == null && g.getAttribute("type").equals("vnc")) {
        vnc = g;
      } else {
        devices.removeChild(g);
      }
    }
    if (vnc == null) {
      vnc = Dom.child(devices, "graphics");
      vnc.setAttribute("type", "vnc");
    }
    if (value.equals("enable")) {
      vnc.setAttribute("port", "-1");
      vnc.setAttribute("autoport", "yes");
    } else {
      vnc.setAttribute("port", value.substring("vnc:".length()));
      vnc.setAttribute("autoport", "no");
    }
  }

  private static void vncPassword(Element domain, String password) {
    for (Element g : Dom.children(devices(domain), "graphics")) {
      if (g.getAttribute("type").equals("vnc")) {
        g.setAttribute("passwd", password);
      }
    }
  }

  private static void clock(Element domain, String value, Host host) {
    Element clock = Dom.firstOrChild(domain, "clock");
    for (String a : List.of("adjustment", "basis", "timezone")) {
      clock.removeAttribute(a);
    }
    switch (value) {
      case "UTC" -> clock.setAttribute("offset", "utc");
      case "localtime" -> clock.setAttribute("offset", "localtime");
      case "timezone" -> {
        clock.setAttribute("offset", "timezone");
        clock.setAttribute("timezone", host.timezone());
      }
      case "variable" -> {
        clock.setAttribute("offset", "variable");
        clock.setAttribute("adjustment", "0");
        clock.setAttribute("basis", "utc");
      }
      default -> throw new DomainWriter.Unsupported("unknown clocksync `" + value + "`");
    }
  }

  /**
   * Makes the guest's NICs the listed networks or bridges, in order, keeping each slot's MAC
   * address, model and PCI address so the guest sees the same cards.
   */
  private static void interfaces(Element domain, List<String> names, Host host) {
    Element devices = devices(domain);
    List<Element> old = Dom.children(devices, "interface");
    Document doc = domain.getOwnerDocument();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      boolean bridge = host.isBridge().test(name);
      Element nic = doc.createElement("interface");
      nic.setAttribute("type", bridge ? "bridge" : "network");
      Element prev = i < old.size() ? old.get(i) : null;
      if (prev != null) {
        Dom.copyChild(prev, nic, "mac");
      }
      Dom.child(nic, "source").setAttribute(bridge ? "bridge" : "network", name);
      if (prev != null && Dom.first(prev, "model") != null) {
        Dom.copyChild(prev, nic, "model");
      } else {
        Dom.child(nic, "model").setAttribute("type", "virtio");
      }
      if (prev != null) {
        Dom.copyChild(prev, nic, "boot");
        Dom.copyChild(prev, nic, "address");
        devices.replaceChild(nic, prev);
      } else {
        devices.appendChild(nic);
      }
    }
    for (int i = names.size(); i < old.size(); i++) {
      devices.removeChild(old.get(i));
    }
  }

  private static void nicModel(Element nic, String model) {
    Dom.firstOrChild(nic, "model").setAttribute("type", model);
  }

  private static Element devices(Element domain) {
    return Dom.firstOrChild(domain, "devices");
  }

  @SuppressWarnings("unchecked")
  private static List<String> listOf(Object value) {
    return value instanceof List<?> l ? (List<String>) l : List.of(value.toString());
  }
}
