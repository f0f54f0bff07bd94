package io.virtd.libvirt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The pure part of {@link Storage}: pool names, and pool and volume XML written and read. */
final class StorageXml {
  private StorageXml() {}

  /**
   * The pool name virtd gives a directory: {@code virtd-} + the last path element + a hash of the
   * whole path, so two directories with the same last element (two test suites, two hosts' layouts)
   * never share a pool.
   */
  static String poolName(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    Path last = abs.getFileName();
    String tail = last == null ? "root" : last.toString().replaceAll("[^A-Za-z0-9_.-]", "_");
    if (tail.length() > 32) {
      tail = tail.substring(0, 32);
    }
    return "virtd-" + tail + "-" + sha256(abs.toString()).substring(0, 10);
  }

  static String poolXml(String name, Path dir) {
    return PoolXml.write(
        new PoolXml.Definition(
            name,
            PoolXml.Type.DIR,
            Optional.of(dir.toAbsolutePath().normalize().toString()),
            Optional.empty()));
  }

  /**
   * A file volume's XML: {@code name}, capacity in bytes, format, and for an overlay the backing
   * image. Allocation 0: new disks are sparse, whatever the format.
   */
  static String volumeXml(
      String name, String format, long capacityBytes, Optional<Storage.Backing> backing) {
    Document doc = Dom.newDocument();
    Element vol = doc.createElement("volume");
    vol.setAttribute("type", "file");
    doc.appendChild(vol);
    Dom.text(vol, "name", name);
    Dom.text(vol, "capacity", Long.toString(capacityBytes)).setAttribute("unit", "bytes");
    Dom.text(vol, "allocation", "0").setAttribute("unit", "bytes");
    Dom.child(Dom.child(vol, "target"), "format").setAttribute("type", format);
    backing.ifPresent(
        b -> {
          Element bs = Dom.child(vol, "backingStore");
          Dom.text(bs, "path", b.path());
          Dom.child(bs, "format").setAttribute("type", b.format());
        });
    return Dom.serialize(doc);
  }

  /** The format a volume's XML names ({@code raw} when it names none, as libvirt assumes). */
  static String formatOf(String volumeXml) {
    Element target = Dom.first(Dom.parse(volumeXml).getDocumentElement(), "target");
    Element format = target == null ? null : Dom.first(target, "format");
    return format == null || format.getAttribute("type").isEmpty()
        ? "raw"
        : format.getAttribute("type");
  }

  static String targetPath(String poolXml) {
    Element target = Dom.first(Dom.parse(poolXml).getDocumentElement(), "target");
    Element path = target == null ? null : Dom.first(target, "path");
    return path == null ? "" : path.getTextContent().strip();
  }

  /** The path of a volume's backing file, from the volume's XML, if it has one. */
  static Optional<String> backingPath(String volumeXml) {
    Element bs = Dom.first(Dom.parse(volumeXml).getDocumentElement(), "backingStore");
    Element path = bs == null ? null : Dom.first(bs, "path");
    return path == null || path.getTextContent().isBlank()
        ? Optional.empty()
        : Optional.of(path.getTextContent().strip());
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
