package io.virtd.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A storage pool's definition as libvirt's {@code <pool>} XML, and back: the five pool types a
 * {@code pool} manifest may declare, with the few keys each has.
 *
 * <ul>
 *   <li>{@code dir}: a directory, {@code path}; built by libvirt (made with its parents).
 *   <li>{@code fs}: a block device ({@code source}) mounted on {@code path}.
 *   <li>{@code netfs}: {@code HOST:/EXPORT} ({@code source}) mounted on {@code path}.
 *   <li>{@code logical}: an LVM volume group named as the pool, made from the devices in {@code
 *       source} (comma-separated) when built; without {@code source}, an existing group.
 *   <li>{@code zfs}: a ZFS pool ({@code source}, the pool's name when absent).
 * </ul>
 */
final class PoolXml {
  private PoolXml() {}

  enum Type {
    DIR,
    FS,
    NETFS,
    LOGICAL,
    ZFS;

    String xmlName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Type> of(String xmlName) {
      for (Type t : values()) {
        if (t.xmlName().equals(xmlName)) {
          return Optional.of(t);
        }
      }
      return Optional.empty();
    }
  }

  /** {@code VIR_STORAGE_POOL_BUILD_NO_OVERWRITE}: refuse a device that holds any signature. */
  static final int BUILD_NO_OVERWRITE = 4;

  /** What a manifest declares of a pool, in libvirt's terms. */
  record Definition(String name, Type type, Optional<String> path, Optional<String> source) {
    Definition {
      if (type != Type.LOGICAL && type != Type.ZFS && path.isEmpty()) {
        throw new IllegalArgumentException("a " + type.xmlName() + " pool needs a path");
      }
      if ((type == Type.FS || type == Type.NETFS) && source.isEmpty()) {
        throw new IllegalArgumentException("a " + type.xmlName() + " pool needs a source");
      }
      if (type == Type.NETFS && !source.get().matches("[^:/\\s]+:/.*")) {
        throw new IllegalArgumentException("a netfs source is HOST:/EXPORT");
      }
    }

    /**
     * The flags of {@code virStoragePoolBuild} before the first start, or empty when nothing is
     * built. {@code dir}, {@code fs} and {@code netfs}: 0, which only makes the target directory
     * (never {@code mkfs}); {@code logical} with devices: {@link #BUILD_NO_OVERWRITE}, so a device
     * that holds a file system, a partition table or another volume group is refused rather than
     * wiped; an existing volume group or ZFS pool is used as it is.
     */
    OptionalInt buildFlags() {
      return switch (type) {
        case DIR, FS, NETFS -> OptionalInt.of(0);
        case LOGICAL ->
            source.isPresent() ? OptionalInt.of(BUILD_NO_OVERWRITE) : OptionalInt.empty();
        case ZFS -> OptionalInt.empty();
      };
    }
  }

  static String write(Definition d) {
    Document doc = Dom.newDocument();
    Element pool = doc.createElement("pool");
    doc.appendChild(pool);
    pool.setAttribute("type", d.type().xmlName());
    Dom.text(pool, "name", d.name());
    switch (d.type()) {
      case DIR -> target(pool, d.path().orElseThrow());
      case FS -> {
        Element source = Dom.child(pool, "source");
        Dom.child(source, "device").setAttribute("path", d.source().orElseThrow());
        Dom.child(source, "format").setAttribute("type", "auto");
        target(pool, d.path().orElseThrow());
      }
      case NETFS -> {
        String[] hostAndDir = d.source().orElseThrow().split(":", 2);
        Element source = Dom.child(pool, "source");
        Dom.child(source, "host").setAttribute("name", hostAndDir[0]);
        Dom.child(source, "dir").setAttribute("path", hostAndDir[1]);
        Dom.child(source, "format").setAttribute("type", "auto");
        target(pool, d.path().orElseThrow());
      }
      case LOGICAL -> {
        Element source = Dom.child(pool, "source");
        for (String device : devices(d.source())) {
          Dom.child(source, "device").setAttribute("path", device);
        }
        Dom.text(source, "name", d.name());
        Dom.child(source, "format").setAttribute("type", "lvm2");
        target(pool, "/dev/" + d.name());
      }
      case ZFS -> {
        Element source = Dom.child(pool, "source");
        Dom.text(source, "name", d.source().orElse(d.name()));
      }
    }
    return Dom.serialize(doc);
  }

  /**
   * Reads a pool's XML back into what a manifest could have declared; empty for a type virtd does
   * not manage (iscsi, rbd, …), which is never changed.
   */
  static Optional<Definition> read(String xml) {
    Element pool = Dom.parse(xml).getDocumentElement();
    Optional<Type> type = Type.of(pool.getAttribute("type"));
    if (type.isEmpty()) {
      return Optional.empty();
    }
    String name = textOf(pool, "name").orElse("");
    Element source = Dom.first(pool, "source");
    Element target = Dom.first(pool, "target");
    Optional<String> path = target == null ? Optional.empty() : textOf(target, "path");
    Optional<String> src =
        switch (type.get()) {
          case DIR -> Optional.empty();
          case FS -> attribute(source, "device", "path");
          case NETFS ->
              attribute(source, "host", "name")
                  .flatMap(h -> attribute(source, "dir", "path").map(dir -> h + ":" + dir));
          case LOGICAL -> {
            List<String> devices = new ArrayList<>();
            if (source != null) {
              for (Element e : Dom.children(source, "device")) {
                devices.add(e.getAttribute("path"));
              }
            }
            yield devices.isEmpty() ? Optional.empty() : Optional.of(String.join(",", devices));
          }
          case ZFS -> source == null ? Optional.empty() : textOf(source, "name");
        };
    if (type.get() == Type.LOGICAL || type.get() == Type.ZFS) {
      path = Optional.empty(); // libvirt's, never declared
    }
    return Optional.of(new Definition(name, type.get(), path, src));
  }

  private static void target(Element pool, String path) {
    Dom.text(Dom.child(pool, "target"), "path", path);
  }

  private static List<String> devices(Optional<String> source) {
    List<String> out = new ArrayList<>();
    source.ifPresent(
        s -> {
          for (String d : s.split(",")) {
            if (!d.isBlank()) {
              out.add(d.strip());
            }
          }
        });
    return out;
  }

  private static Optional<String> textOf(Element parent, String name) {
    Element e = Dom.first(parent, name);
    return e == null ? Optional.empty() : Optional.of(e.getTextContent().strip());
  }

  private static Optional<String> attribute(Element parent, String child, String attribute) {
    Element e = parent == null ? null : Dom.first(parent, child);
    return e == null || !e.hasAttribute(attribute)
        ? Optional.empty()
        : Optional.of(e.getAttribute(attribute));
  }
}
