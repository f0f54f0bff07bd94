package io.virtd.libvirt;

import java.util.List;
import java.util.Set;
import org.w3c.dom.Element;

/**
 * What a domain's disks read, from its XML: the {@code file} or {@code dev} of every {@code
 * <source>} under a {@code <disk>} (its backing chain and a block copy's mirror included), and the
 * storage volumes named by pool and volume.
 */
record DiskRefs(Set<String> paths, Set<Marks.Volume> volumes) {
  DiskRefs {
    paths = Set.copyOf(paths);
    volumes = Set.copyOf(volumes);
  }

  static DiskRefs of(String domainXml) {
    Set<String> paths = new java.util.LinkedHashSet<>();
    Set<Marks.Volume> volumes = new java.util.LinkedHashSet<>();
    Element domain = Dom.parse(domainXml).getDocumentElement();
    Element devices = Dom.first(domain, "devices");
    for (Element disk : devices == null ? List.<Element>of() : Dom.children(devices, "disk")) {
      var sources = disk.getElementsByTagName("source");
      for (int i = 0; i < sources.getLength(); i++) {
        Element src = (Element) sources.item(i);
        if (src.getNamespaceURI() != null) {
          continue;
        }
        for (String attr : List.of("file", "dev")) {
          if (!src.getAttribute(attr).isEmpty()) {
            paths.add(src.getAttribute(attr));
          }
        }
        if (!src.getAttribute("pool").isEmpty() && !src.getAttribute("volume").isEmpty()) {
          volumes.add(new Marks.Volume(src.getAttribute("pool"), src.getAttribute("volume"), ""));
        }
      }
    }
    return new DiskRefs(paths, volumes);
  }
}
