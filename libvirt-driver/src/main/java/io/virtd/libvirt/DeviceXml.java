package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.plan.FieldChange;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The {@code <disk>} and {@code <interface>} elements of the items of {@code disks} and {@code
 * nics}: written into a definition, edited in place in an existing one (found by target, or by
 * MAC), and on their own for libvirt's device hot-plug calls. A disk's {@code file} and {@code
 * format} must be set (the storage is made first); a NIC's {@code mac} too.
 */
final class DeviceXml {
  private DeviceXml() {}

  /** The bus of a Xen guest's disk: libxl reads the format itself, so there is no driver. */
  static final String XEN_BUS = "xen";

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A locally administered unicast MAC in QEMU's range, {@code 52:54:00:xx:xx:xx}. */
  static String newMac() {
    byte[] b = new byte[3];
    RANDOM.nextBytes(b);
    return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(b);
  }

  /** {@code disk} as a document of its own, for attach and detach. */
  static String disk(DiskSpec disk) {
    Document doc = Dom.newDocument();
    doc.appendChild(diskElement(doc, disk));
    return Dom.serialize(doc);
  }

  /** {@code nic} as a document of its own, for attach, detach and update. */
  static String nic(NicSpec nic) {
    Document doc = Dom.newDocument();
    doc.appendChild(nicElement(doc, nic));
    return Dom.serialize(doc);
  }

  static Element diskElement(Document doc, DiskSpec d) {
    boolean block = d.file().startsWith("/dev/");
    Element disk = doc.createElement("disk");
    disk.setAttribute("type", block ? "block" : "file");
    disk.setAttribute("device", "disk");
    if (!d.bus().equals(XEN_BUS)) {
      Element driver = Dom.child(disk, "driver");
      driver.setAttribute("name", "qemu");
      driver.setAttribute("type", d.format() == null ? "raw" : d.format());
      if (d.cache() != null) {
        driver.setAttribute("cache", d.cache());
      }
      if (d.io() != null) {
        driver.setAttribute("io", d.io());
      }
      if (d.discard() != null) {
        driver.setAttribute("discard", d.discard());
      }
    }
    Dom.child(disk, "source").setAttribute(block ? "dev" : "file", d.file());
    Element target = Dom.child(disk, "target");
    target.setAttribute("dev", d.target());
    target.setAttribute("bus", d.bus());
    if (d.readonly()) {
      Dom.child(disk, "readonly");
    }
    if (d.shareable()) {
      Dom.child(disk, "shareable");
    }
    if (d.serial() != null) {
      Dom.text(disk, "serial", d.serial());
    }
    return disk;
  }

  static Element nicElement(Document doc, NicSpec n) {
    Element nic = doc.createElement("interface");
    nic.setAttribute("type", n.type().key());
    Dom.child(nic, "mac").setAttribute("address", n.mac());
    Element source = Dom.child(nic, "source");
    switch (n.type()) {
      case NETWORK -> source.setAttribute("network", n.source());
      case BRIDGE -> source.setAttribute("bridge", n.source());
      case DIRECT -> {
        source.setAttribute("dev", n.source());
        source.setAttribute("mode", "bridge");
      }
    }
    if (n.model() != null) {
      Dom.child(nic, "model").setAttribute("type", n.model());
    }
    if (n.link() != null) {
      Dom.child(nic, "link").setAttribute("state", n.link());
    }
    return nic;
  }

  /** Writes one item change into a definition: the element added, replaced or removed. */
  static void apply(Document doc, FieldChange c) {
    Element devices = Dom.firstOrChild(doc.getDocumentElement(), "devices");
    Element old = c.before() == null ? null : find(devices, c.before());
    if (old == null && c.after() != null) {
      old = find(devices, c.after());
    }
    Element now =
        c.after() == null
            ? null
            : c.after() instanceof DiskSpec d
                ? diskElement(doc, d)
                : nicElement(doc, (NicSpec) c.after());
    if (old != null && now != null) {
      keepAddress(old, now);
      devices.replaceChild(now, old);
    } else if (old != null) {
      devices.removeChild(old);
    } else if (now != null) {
      insert(devices, now);
    }
  }

  /**
   * A device keeps its PCI (or drive) address when it is rewritten: the guest sees the same slot.
   */
  private static void keepAddress(Element old, Element now) {
    Element address = Dom.first(old, "address");
    if (address != null) {
      now.appendChild(address.cloneNode(true));
    }
    if (now.getTagName().equals("disk")) {
      Element oldSource = Dom.first(old, "source");
      Element newSource = Dom.first(now, "source");
      if (oldSource != null && newSource != null && "volume".equals(old.getAttribute("type"))) {
        now.replaceChild(oldSource.cloneNode(true), newSource);
        now.setAttribute("type", "volume");
      }
    }
  }

  /** After the last element of its kind, so disks stay before NICs as libvirt writes them. */
  private static void insert(Element devices, Element e) {
    List<Element> same = Dom.children(devices, e.getTagName());
    Node after = same.isEmpty() ? null : same.get(same.size() - 1).getNextSibling();
    if (same.isEmpty() && e.getTagName().equals("disk")) {
      List<Element> emulator = Dom.children(devices, "emulator");
      after = emulator.isEmpty() ? devices.getFirstChild() : emulator.get(0).getNextSibling();
    }
    devices.insertBefore(e, after);
  }

  /** The element of {@code item}: a disk's by its target, a NIC's by its MAC. */
  static Element find(Element devices, Object item) {
    if (item instanceof DiskSpec d) {
      for (Element disk : Dom.children(devices, "disk")) {
        Element t = Dom.first(disk, "target");
        if (t != null && d.target().equals(t.getAttribute("dev"))) {
          return disk;
        }
      }
      return null;
    }
    NicSpec n = (NicSpec) item;
    if (n.mac() == null) {
      return null;
    }
    for (Element nic : Dom.children(devices, "interface")) {
      Element mac = Dom.first(nic, "mac");
      if (mac != null && n.mac().equalsIgnoreCase(mac.getAttribute("address"))) {
        return nic;
      }
    }
    return null;
  }
}
