package io.virtd.libvirt;

import io.virtd.core.spi.OwnershipMark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.XMLConstants;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The ownership mark virtd keeps in a domain's {@code <metadata>}: one element in its own
 * namespace, beside whatever other tools keep there. Besides the {@link
 * io.virtd.core.spi.OwnershipMark}, it records the create-time values libvirt's XML cannot express
 * ({@code os_variant}; the {@code os_type} family, since a full-virt guest's XML says only {@code
 * hvm}; the {@code xml_file} and the {@code boot_location}, {@code boot_options} and {@code
 * kickstart} of its first boot) and the NIC model asked for, so a guest without a NIC still reports
 * it.
 *
 * <p>Storage: the create-time storage values the guest was built with ({@code virt_path}, {@code
 * image}, {@code image_mode}, {@code clone_from}), the path of the disk virtd made for it ({@code
 * disk}, the one {@code disk_size} measures and grows), and one {@code <virtd:volume pool name
 * path/>} child per volume virtd created — exactly what {@code ensure: absent} deletes.
 */
public final class Marks {
  public static final String NAMESPACE = "https://virtd.io/xmlns/mark/1";
  public static final String PREFIX = "virtd";
  public static final String ELEMENT = "mark";

  static final String OWNER = "owner";
  static final String ORIGIN = "origin";
  static final String MANIFEST = "manifest";
  static final String HASH = "hash";
  static final String OS_VARIANT = "os_variant";

  /** As the manifest spelled it: libvirt expands aliases (`pc` becomes `pc-i440fx-7.2`). */
  static final String MACHINE_TYPE = "machine_type";

  static final String OS_TYPE = "os_type";
  static final String NETWORK_MODEL = "network_model";

  /**
   * Salted digests of the cloud-init documents the seed was written from ({@link CloudInitSeed}).
   */
  static final String USER_DATA = "user_data";

  static final String META_DATA = "meta_data";
  static final String NETWORK_CONFIG = "network_config";
  static final String VIRT_PATH = "virt_path";
  static final String IMAGE = "image";
  static final String IMAGE_MODE = "image_mode";
  static final String CLONE_FROM = "clone_from";
  static final String BOOT_LOCATION = "boot_location";
  static final String BOOT_OPTIONS = "boot_options";
  static final String KICKSTART = "kickstart";
  static final String XML_FILE = "xml_file";

  /**
   * A salted digest of the text of the {@code xml_file} the guest was defined from: an edited file
   * is a create-time difference, as a changed path is.
   */
  static final String XML_FILE_DIGEST = "xml_file_digest";

  static final String DISK = "disk";

  /**
   * The cloud-init seed image virtd wrote for the guest, wherever {@code storage_dir} was then: the
   * one file besides its volumes that removing the guest deletes.
   */
  static final String SEED = "seed";

  static final String VOLUME = "volume";
  static final String POOL = "pool";
  static final String NAME = "name";
  static final String PATH = "path";

  /** The mark's attributes an update keeps: everything recorded at creation. */
  static final java.util.List<String> CARRIED =
      java.util.List.of(
          OS_VARIANT,
          OS_TYPE,
          NETWORK_MODEL,
          MACHINE_TYPE,
          VIRT_PATH,
          IMAGE,
          IMAGE_MODE,
          CLONE_FROM,
          BOOT_LOCATION,
          BOOT_OPTIONS,
          KICKSTART,
          XML_FILE,
          XML_FILE_DIGEST,
          DISK,
          SEED,
          USER_DATA,
          META_DATA,
          NETWORK_CONFIG);

  /**
   * The creation inputs the mark records under their own keys, as the manifest gave them, when the
   * guest is created: what it was built from and how it first booted, which its XML shows only the
   * result of. A guest virtd created without one has no such attribute.
   */
  static final java.util.List<io.virtd.core.manifest.Field> INPUTS =
      java.util.List.of(
          io.virtd.core.manifest.Field.OS_VARIANT,
          io.virtd.core.manifest.Field.VIRT_PATH,
          io.virtd.core.manifest.Field.IMAGE,
          io.virtd.core.manifest.Field.IMAGE_MODE,
          io.virtd.core.manifest.Field.CLONE_FROM,
          io.virtd.core.manifest.Field.XML_FILE,
          io.virtd.core.manifest.Field.BOOT_LOCATION,
          io.virtd.core.manifest.Field.BOOT_OPTIONS,
          io.virtd.core.manifest.Field.KICKSTART);

  /** The inputs of a direct kernel boot: a guest whose XML has no {@code <kernel>} has none. */
  static final java.util.Set<io.virtd.core.manifest.Field> KERNEL_INPUTS =
      java.util.Set.of(
          io.virtd.core.manifest.Field.BOOT_LOCATION,
          io.virtd.core.manifest.Field.BOOT_OPTIONS,
          io.virtd.core.manifest.Field.KICKSTART);

  /**
   * The live changes a running guest refused (a balloon without a driver in the guest, a vcpu it
   * cannot unplug): an element of its own, written into the running guest's definition only, so it
   * is gone once the guest starts again from its persistent definition. The planner then reports
   * those fields as restart pending instead of trying them on every pass.
   */
  static final String REFUSED_NAMESPACE = "https://virtd.io/xmlns/refused/1";

  static final String REFUSED_PREFIX = "virtd-refused";
  static final String REFUSED = "refused";
  static final String FIELDS = "fields";

  /** The element that records {@code fields} as refused live, for {@code virDomainSetMetadata}. */
  static String refusedElement(java.util.Set<io.virtd.core.manifest.Field> fields) {
    return "<"
        + REFUSED
        + " "
        + FIELDS
        + "='"
        + String.join(" ", fields.stream().map(io.virtd.core.manifest.Field::key).sorted().toList())
        + "'/>";
  }

  /** The fields of a refused element's {@code fields} attribute; unknown words are skipped. */
  static java.util.Set<io.virtd.core.manifest.Field> refusedFields(String words) {
    java.util.Set<io.virtd.core.manifest.Field> out =
        java.util.EnumSet.noneOf(io.virtd.core.manifest.Field.class);
    if (words != null) {
      for (String w : words.strip().split("\\s+")) {
        io.virtd.core.manifest.Field.byKey(w).ifPresent(out::add);
      }
    }
    return out;
  }

  /** A volume virtd created for the guest, in the pool {@code pool}. */
  record Volume(String pool, String name, String path) {}

  static java.util.List<Volume> volumes(org.w3c.dom.Element mark) {
    java.util.List<Volume> out = new java.util.ArrayList<>();
    org.w3c.dom.NodeList l = mark.getElementsByTagNameNS(NAMESPACE, VOLUME);
    for (int i = 0; i < l.getLength(); i++) {
      org.w3c.dom.Element e = (org.w3c.dom.Element) l.item(i);
      out.add(new Volume(e.getAttribute(POOL), e.getAttribute(NAME), e.getAttribute(PATH)));
    }
    return out;
  }

  /**
   * What a mark's attributes say: the ownership mark, and into {@code fields} the values it
   * recorded. Creation inputs the XML shows only the result of (or nothing) are as the mark
   * recorded them, a direct kernel boot's only while the guest still boots a kernel; a guest virtd
   * created without one records nothing, which the planner reads as such.
   */
  static OwnershipMark read(
      Map<String, String> mark, boolean kernel, Map<io.virtd.core.manifest.Field, Object> fields) {
    for (io.virtd.core.manifest.Field k : INPUTS) {
      String v = mark.get(k.key());
      if (v != null && (kernel || !KERNEL_INPUTS.contains(k))) {
        fields.put(k, v);
      }
    }
    if (mark.get(XML_FILE) != null) {
      fields.put(
          io.virtd.core.manifest.Field.XML_FILE,
          new XmlFileMark(
              mark.get(XML_FILE),
              io.virtd.core.spi.DocumentDigest.parse(mark.get(XML_FILE_DIGEST))));
    }
    CloudInitSeed.MARKS.forEach(
        (field, attr) ->
            io.virtd.core.spi.DocumentDigest.parse(mark.get(attr))
                .ifPresent(d -> fields.put(field, d)));
    return new OwnershipMark(
        mark.getOrDefault(OWNER, ""),
        OwnershipMark.Origin.fromKey(mark.get(ORIGIN)),
        mark.get(MANIFEST),
        mark.get(HASH));
  }

  /** The mark in the domain's {@code <metadata>}, if it has one. */
  static Optional<Element> find(Document doc) {
    return findAll(doc).stream().findFirst();
  }

  /** Every mark element in the domain's {@code <metadata>}, in document order. */
  static List<Element> findAll(Document doc) {
    List<Element> out = new ArrayList<>();
    Element metadata = Dom.first(doc.getDocumentElement(), "metadata");
    if (metadata != null) {
      NodeList marks = metadata.getElementsByTagNameNS(NAMESPACE, ELEMENT);
      for (int i = 0; i < marks.getLength(); i++) {
        out.add((Element) marks.item(i));
      }
    }
    return out;
  }

  /** {@code xml} without virtd's mark (and without an empty {@code <metadata>} left behind). */
  static String without(String xml) {
    Document doc = Dom.parse(xml);
    Optional<Element> mark = find(doc);
    if (mark.isEmpty()) {
      return xml;
    }
    Element metadata = (Element) mark.get().getParentNode();
    metadata.removeChild(mark.get());
    if (metadata.getElementsByTagName("*").getLength() == 0) {
      metadata.getParentNode().removeChild(metadata);
    }
    return Dom.serialize(doc);
  }

  /** Replaces virtd's element in {@code <metadata>}, leaving other tools' elements alone. */
  static void write(
      Document doc, OwnershipMark mark, Map<String, String> extras, List<Volume> volumes) {
    Element domain = doc.getDocumentElement();
    Element metadata = Dom.first(domain, "metadata");
    if (metadata == null) {
      metadata = doc.createElement("metadata");
      Element name = Dom.first(domain, "name");
      domain.insertBefore(metadata, name == null ? domain.getFirstChild() : name.getNextSibling());
    }
    for (Node n = metadata.getFirstChild(); n != null; ) {
      Node next = n.getNextSibling();
      if (n instanceof Element e && NAMESPACE.equals(e.getNamespaceURI())) {
        metadata.removeChild(e);
      }
      n = next;
    }
    Element m = doc.createElementNS(NAMESPACE, PREFIX + ":" + ELEMENT);
    m.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:" + PREFIX, NAMESPACE);
    m.setAttribute(OWNER, mark.owner());
    m.setAttribute(ORIGIN, mark.origin().key());
    m.setAttribute(MANIFEST, mark.manifest());
    m.setAttribute(HASH, mark.hash());
    extras.forEach(m::setAttribute);
    for (Volume v : volumes) {
      Element e = doc.createElementNS(NAMESPACE, PREFIX + ":" + VOLUME);
      e.setAttribute(POOL, v.pool());
      e.setAttribute(NAME, v.name());
      e.setAttribute(PATH, v.path());
      m.appendChild(e);
    }
    metadata.appendChild(m);
  }

  private Marks() {}

  /**
   * The informational hash of a resource's desired state, secrets left out. One definition for the
   * whole project: {@link io.virtd.core.spi.OwnershipMark#hash}.
   */
  public static String hash(io.virtd.core.manifest.VmSpec spec) {
    return io.virtd.core.spi.OwnershipMark.hash(spec);
  }
}
