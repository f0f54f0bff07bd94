package io.virtd.libvirt;

import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.NetworkSpec;
import io.virtd.core.manifest.PoolSpec;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.OwnershipMark;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.libvirt.StoragePool;
import org.w3c.dom.Element;

/**
 * Reads libvirt's networks and storage pools as {@link ObservedHost}s, for {@link
 * LibvirtHostResources}: their declared values, their marks and the guests that use them.
 */
final class HostObserver {
  private final PoolMarks poolMarks;

  HostObserver(PoolMarks poolMarks) {
    this.poolMarks = poolMarks;
  }

  /** Every network or every pool on {@code c}, by name. */
  Map<String, ObservedHost> observe(Connect c, HostSpec.Kind kind) throws LibvirtException {
    List<Element> domains = domains(c);
    Map<String, ObservedHost> out = new LinkedHashMap<>();
    switch (kind) {
      case NETWORK -> {
        for (String name : names(c.listNetworks(), c.listDefinedNetworks())) {
          observeNetwork(c, name, domains).ifPresent(h -> out.put(name, h));
        }
      }
      case POOL -> {
        for (String name : names(c.listStoragePools(), c.listDefinedStoragePools())) {
          observePool(c, name, domains).ifPresent(h -> out.put(name, h));
        }
      }
    }
    return out;
  }

  private static List<String> names(String[] active, String[] defined) {
    List<String> out = new ArrayList<>(List.of(active));
    for (String d : defined) {
      if (!out.contains(d)) {
        out.add(d);
      }
    }
    return out;
  }

  /** Every guest's live XML root element, to tell who uses which network and pool. */
  private static List<Element> domains(Connect c) throws LibvirtException {
    List<Element> out = new ArrayList<>();
    for (Domain d : c.listAllDomains(0)) {
      try {
        out.add(Dom.parse(d.getXMLDesc(0)).getDocumentElement());
      } catch (LibvirtException e) {
        // gone meanwhile
      } finally {
        d.free();
      }
    }
    return out;
  }

  private Optional<ObservedHost> observeNetwork(Connect c, String name, List<Element> domains)
      throws LibvirtException {
    Network n =
        Storage.orMissing(() -> c.networkLookupByName(name), ErrorNumber.VIR_ERR_NO_NETWORK);
    if (n == null) {
      return Optional.empty(); // undefined meanwhile
    }
    try {
      boolean active = n.isActive() == 1;
      String xml = n.getXMLDesc(active ? 0 : LibvirtHostResources.NETWORK_INACTIVE);
      NetworkXml.Definition d = NetworkXml.read(xml);
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("forward", NetworkSpec.Forward.valueOf(d.forward().name()));
      d.bridge().ifPresent(b -> v.put("bridge", b));
      d.ip().ifPresent(a -> v.put("ip", new NetworkSpec.Ip(a.address(), a.prefix())));
      d.range().ifPresent(r -> v.put("dhcp.range", new NetworkSpec.Range(r.start(), r.end())));
      v.put(
          "dhcp.hosts",
          d.hosts().stream()
              .map(h -> new NetworkSpec.DhcpHost(h.mac(), h.ip(), h.name()))
              .toList());
      v.put("autostart", n.getAutostart());
      List<String> users = new ArrayList<>();
      for (Element dom : domains) {
        if (usesNetwork(dom, name) && dom.hasAttribute("id")) { // only running guests have an id
          users.add(Dom.first(dom, "name").getTextContent().strip());
        }
      }
      return Optional.of(
          new ObservedHost(HostSpec.Kind.NETWORK, name, active, v, networkMark(xml), users));
    } finally {
      n.free();
    }
  }

  private static boolean usesNetwork(Element domain, String network) {
    Element devices = Dom.first(domain, "devices");
    if (devices == null) {
      return false;
    }
    for (Element nic : Dom.children(devices, "interface")) {
      Element source = Dom.first(nic, "source");
      if (nic.getAttribute("type").equals("network")
          && source != null
          && source.getAttribute("network").equals(network)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<OwnershipMark> networkMark(String xml) {
    return Marks.find(Dom.parse(xml))
        .map(
            m ->
                new OwnershipMark(
                    m.getAttribute(Marks.OWNER),
                    OwnershipMark.Origin.fromKey(m.getAttribute(Marks.ORIGIN)),
                    m.getAttribute(Marks.MANIFEST),
                    m.getAttribute(Marks.HASH)));
  }

  private Optional<ObservedHost> observePool(Connect c, String name, List<Element> domains)
      throws LibvirtException {
    StoragePool p =
        Storage.orMissing(
            () -> c.storagePoolLookupByName(name), ErrorNumber.VIR_ERR_NO_STORAGE_POOL);
    if (p == null) {
      return Optional.empty(); // undefined meanwhile
    }
    try {
      Optional<PoolXml.Definition> d = PoolXml.read(p.getXMLDesc(0));
      if (d.isEmpty()) {
        return Optional.empty(); // a type virtd does not manage: left alone, never matched
      }
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("type", PoolSpec.Type.valueOf(d.get().type().name()));
      d.get().path().ifPresent(x -> v.put("path", x));
      d.get().source().ifPresent(x -> v.put("source", x));
      v.put("autostart", p.getAutostart());
      String target = targetPath(p.getXMLDesc(0));
      List<String> users = new ArrayList<>();
      for (Element dom : domains) {
        if (usesPool(dom, name, target)) {
          users.add(Dom.first(dom, "name").getTextContent().strip());
        }
      }
      return Optional.of(
          new ObservedHost(
              HostSpec.Kind.POOL,
              name,
              p.isActive() == 1,
              v,
              poolMarks.read(name, p.getUUIDString()),
              users));
    } finally {
      p.free();
    }
  }

  private static String targetPath(String poolXml) {
    Element target = Dom.first(Dom.parse(poolXml).getDocumentElement(), "target");
    Element path = target == null ? null : Dom.first(target, "path");
    return path == null ? "" : path.getTextContent().strip();
  }

  /** A disk whose source is a volume of the pool, or a file or device under its target path. */
  private static boolean usesPool(Element domain, String pool, String target) {
    Element devices = Dom.first(domain, "devices");
    if (devices == null) {
      return false;
    }
    for (Element disk : Dom.children(devices, "disk")) {
      Element source = Dom.first(disk, "source");
      if (source == null) {
        continue;
      }
      if (source.getAttribute("pool").equals(pool)) {
        return true;
      }
      String path =
          source.hasAttribute("file") ? source.getAttribute("file") : source.getAttribute("dev");
      if (!target.isEmpty() && path.startsWith(target + "/")) {
        return true;
      }
    }
    return false;
  }
}
