package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.NicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The device lists of one domain XML pass: each disk's and NIC's item (what {@code disks} and
 * {@code nics} compare), the files the disks show, the NICs' MACs and the guest agent's channel.
 * Fed by {@link DomainReader} as the {@code <devices>} elements go by.
 */
final class DeviceListReader {
  final List<String> macs = new ArrayList<>();
  boolean agentChannel;
  boolean agentConnected;
  private final List<String> interfaces = new ArrayList<>();
  private final List<String> models = new ArrayList<>();
  private final List<String> diskFiles = new ArrayList<>();
  private final List<Map<String, String>> diskItems = new ArrayList<>();
  private final List<Map<String, String>> nicItems = new ArrayList<>();
  private Map<String, String> disk;
  private Map<String, String> nic;

  /** Which attributes of a disk's or NIC's child elements an item keeps, as ELEMENT.ATTR. */
  private static final Map<String, List<String>> DISK_ATTRS =
      Map.of(
          "driver", List.of("type", "cache", "io", "discard"),
          "source", List.of("file", "dev", "pool", "volume"),
          "target", List.of("dev", "bus"));

  private static final Map<String, List<String>> NIC_ATTRS =
      Map.of(
          "mac", List.of("address"),
          "source", List.of("network", "bridge", "dev"),
          "model", List.of("type"),
          "link", List.of("state"));

  /** A {@code <disk>} under {@code <devices>} starts. */
  void disk(XMLStreamReader r) {
    String device = r.getAttributeValue(null, "device");
    disk = null;
    if ((device == null || device.equals("disk")) && diskItems.size() < 64) {
      disk = new java.util.HashMap<>();
      diskItems.add(disk);
    }
  }

  /** An {@code <interface>} under {@code <devices>} starts. */
  void nic(String type) {
    nic = null;
    if (nicItems.size() < 64) {
      nic = new java.util.HashMap<>();
      nic.put("type", String.valueOf(type));
      nicItems.add(nic);
    }
    interfaces.add(type == null ? "(unknown)" : "(" + type + ")");
    models.add(null);
  }

  /**
   * A child of a device element under {@code <devices>}; true when its text was read (a disk's
   * serial).
   */
  boolean child(XMLStreamReader r, String parent, String ln) throws XMLStreamException {
    if (parent.equals("disk") && disk != null) {
      if (deviceItem(r, ln, disk, DISK_ATTRS)) {
        return true;
      }
    } else if (parent.equals("interface") && nic != null) {
      deviceItem(r, ln, nic, NIC_ATTRS);
    }
    if (parent.equals("disk") && ln.equals("source") && diskFiles.size() < 64) {
      String file = r.getAttributeValue(null, "file");
      if (file != null) {
        diskFiles.add(file);
      }
    }
    if (parent.equals("channel")
        && ln.equals("target")
        && DomainFieldWriter.AGENT_CHANNEL.equals(r.getAttributeValue(null, "name"))) {
      agentChannel = true;
      agentConnected |= "connected".equals(r.getAttributeValue(null, "state"));
    }
    if (parent.equals("interface") && ln.equals("mac") && macs.size() < 64) {
      String mac = r.getAttributeValue(null, "address");
      if (mac != null) {
        macs.add(mac.toLowerCase(java.util.Locale.ROOT));
      }
    }
    if (parent.equals("interface")) {
      int last = interfaces.size() - 1;
      if (ln.equals("source")) {
        String network = r.getAttributeValue(null, "network");
        String bridge = r.getAttributeValue(null, "bridge");
        String current = interfaces.get(last);
        if (current.equals("(network)") && network != null) {
          interfaces.set(last, network);
        } else if (current.equals("(bridge)") && bridge != null) {
          interfaces.set(last, bridge);
        }
      } else if (ln.equals("model")) {
        models.set(models.size() - 1, r.getAttributeValue(null, "type"));
      }
    }
    return false;
  }

  /** One child of a disk or NIC into its item; true when its text was read (serial). */
  private static boolean deviceItem(
      XMLStreamReader r, String ln, Map<String, String> item, Map<String, List<String>> attrs)
      throws XMLStreamException {
    switch (ln) {
      case "readonly", "shareable" -> item.put(ln, "yes");
      case "serial" -> {
        item.put(ln, r.getElementText().strip());
        return true;
      }
      default -> {
        for (String a : attrs.getOrDefault(ln, List.of())) {
          String v = r.getAttributeValue(null, a);
          if (v != null) {
            item.putIfAbsent(ln + "." + a, v);
          }
        }
      }
    }
    return false;
  }

  /** The observed {@code disks}. */
  List<DiskSpec> disks(Map<String, String> mark, List<Marks.Volume> volumes) {
    return ObservedDevices.disks(diskItems, mark, volumes);
  }

  /** The observed {@code nics}. */
  List<NicSpec> nics() {
    return ObservedDevices.nics(nicItems);
  }

  /** Whether a disk shows guest NAME's cloud-init seed image. */
  boolean seedAttached(String name) {
    String seedFile = "/" + name + "-" + CloudInitSeed.LABEL + ".iso";
    return name != null && diskFiles.stream().anyMatch(p -> p.endsWith(seedFile));
  }

  /** What {@code interfaces} observes: each NIC's network or bridge, or its (type). */
  List<String> interfaces() {
    return List.copyOf(interfaces);
  }

  /** The NIC model all interfaces share; a guest without NICs reports the one it was given. */
  String nicModel(Map<String, String> mark) {
    if (models.isEmpty()) {
      return mark == null ? null : mark.get(Marks.NETWORK_MODEL);
    }
    String first = models.get(0);
    for (String m : models) {
      if (!java.util.Objects.equals(first, m)) {
        return String.join(",", models.stream().map(String::valueOf).toList());
      }
    }
    return first;
  }
}
