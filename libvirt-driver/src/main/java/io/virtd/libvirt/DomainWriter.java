package io.virtd.libvirt;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.DocumentDigest;
import io.virtd.core.spi.OwnershipMark;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Writes libvirt domain XML through the DOM, so no value (a description with {@code <} or {@code
 * &}, a name with quotes) can add elements. New guests get a minimal definition; an existing one is
 * edited in place, so its UUID, MAC addresses and everything virtd does not manage stay as they
 * were.
 */
final class DomainWriter {
  private DomainWriter() {}

  /** What the host contributes to a new definition. */
  record Host(String arch, Predicate<String> isBridge, String timezone) {
    static Host local() {
      return new Host(hostArch(), DomainWriter::isLocalBridge, hostTimezone());
    }
  }

  /** A value virtd cannot write (yet); the message names the key. */
  static final class Unsupported extends RuntimeException {
    Unsupported(String message) {
      super(message);
    }
  }

  /** The guest's one disk: a file or block device and the format QEMU is to read it as. */
  record Disk(String path, boolean block, String format) {
    /** An existing file or device used as it is; the format follows the file name. */
    static Disk existing(Path p) {
      String n = p.getFileName().toString();
      boolean block = !Files.isRegularFile(p) && Files.exists(p);
      return new Disk(
          p.toString(), block, n.endsWith(".qcow2") || n.endsWith(".qcow") ? "qcow2" : "raw");
    }
  }

  /**
   * What the storage work gave a new guest: its disk, the create-time storage values the mark
   * records (so they can be reported later), and the volumes virtd made (removed with the guest).
   */
  record Provisioned(
      Optional<Disk> disk, Map<String, String> markValues, List<Marks.Volume> volumes) {
    static final Provisioned NONE = new Provisioned(Optional.empty(), Map.of(), List.of());

    Provisioned {
      markValues = Map.copyOf(markValues);
      volumes = List.copyOf(volumes);
    }
  }

  /** A new guest's definition with the disk {@code virt_path} names (no storage is created). */
  static String create(VmSpec spec, OwnershipMark mark, Host host) {
    Provisioned p = Provisioned.NONE;
    Optional<String> path = spec.string(Field.VIRT_PATH);
    if (path.isPresent()) {
      Path file = Path.of(path.get());
      if (!Files.exists(file)) {
        throw new Unsupported("`virt_path`: " + file + " does not exist");
      }
      if (Files.isDirectory(file)) {
        throw new Unsupported("`virt_path` " + file + " is a directory: a disk must be made first");
      }
      p = new Provisioned(Optional.of(Disk.existing(file)), Map.of(), List.of());
    }
    return create(spec, mark, host, p);
  }

  /** A new guest's definition: the manifest's values, the defaults for the rest, and the mark. */
  static String create(VmSpec spec, OwnershipMark mark, Host host, Provisioned storage) {
    Document doc = newDocument();
    VirtType vt = spec.virtType();
    boolean paravirt = vt == VirtType.XEN_PARAVIRT;
    String arch = spec.string(Field.ARCH).map(DomainWriter::libvirtArch).orElse(host.arch());

    Element domain = doc.createElement("domain");
    domain.setAttribute("type", domainType(vt));
    doc.appendChild(domain);
    text(domain, "name", spec.name());
    spec.string(Field.DESC).ifPresent(d -> text(domain, "description", d));
    domain.appendChild(doc.createElement("metadata"));
    long maxMemory =
        spec.values().containsKey(Field.MAX_MEMORY)
            ? (Long) spec.values().get(Field.MAX_MEMORY)
            : spec.memoryKiB();
    text(domain, "memory", Long.toString(maxMemory)).setAttribute("unit", "KiB");
    text(domain, "currentMemory", Long.toString(spec.memoryKiB())).setAttribute("unit", "KiB");
    int maxCpus = (Integer) spec.values().getOrDefault(Field.MAX_CPUS, spec.cpus());
    Element vcpu = text(domain, "vcpu", Integer.toString(maxCpus));
    if (spec.cpus() < maxCpus) {
      vcpu.setAttribute("current", Integer.toString(spec.cpus()));
    }
    if (paravirt) {
      text(domain, "bootloader", "/usr/bin/pygrub");
    }
    Element os = child(domain, "os");
    Element type = text(os, "type", paravirt ? "linux" : "hvm");
    type.setAttribute("arch", arch);
    spec.string(Field.MACHINE_TYPE).ifPresent(m -> type.setAttribute("machine", m));
    bootLocation(spec, os);
    if (!paravirt) {
      if (Boolean.TRUE.equals(spec.values().get(Field.PXE))) {
        child(os, "boot").setAttribute("dev", "network");
      }
      child(os, "boot").setAttribute("dev", "hd");
    }
    if (!paravirt && (arch.equals("x86_64") || arch.equals("i686"))) {
      Element features = child(domain, "features");
      child(features, "acpi");
      child(features, "apic");
    }
    spec.string(Field.CPU_MODEL).ifPresent(m -> cpuModel(domain, m));
    child(domain, "clock").setAttribute("offset", "utc");
    text(domain, "on_poweroff", LifecycleAction.DESTROY.key());
    text(domain, "on_reboot", LifecycleAction.RESTART.key());
    text(domain, "on_crash", LifecycleAction.DESTROY.key());
    Element devices = child(domain, "devices");
    storage.disk().ifPresent(d -> disk(d, vt, devices));
    Element serial = child(devices, "serial");
    serial.setAttribute("type", "pty");
    consoleLog(spec, serial);
    child(serial, "target").setAttribute("port", "0");
    Element console = child(devices, "console");
    console.setAttribute("type", "pty");
    Element ct = child(console, "target");
    ct.setAttribute("type", paravirt ? "xen" : "serial");
    ct.setAttribute("port", "0");
    spec.string(Field.VIDEO_MODEL)
        .ifPresent(m -> child(child(devices, "video"), "model").setAttribute("type", m));

    for (Field f :
        List.of(
            Field.CLOCKSYNC,
            Field.ON_POWEROFF,
            Field.ON_REBOOT,
            Field.ON_CRASH,
            Field.GRAPHICS,
            Field.INTERFACES,
            Field.NETWORK_MODEL,
            Field.VNC_PASSWORD)) {
      if (spec.isSet(f)) {
        apply(doc, f, spec.values().get(f), host);
      }
    }
    writeMark(doc, mark, createExtras(spec, paravirt, storage), storage.volumes());
    return serialize(doc);
  }

  static String fromTemplate(String templateXml, VmSpec spec, OwnershipMark mark, Host host) {
    return fromTemplate(templateXml, spec, mark, host, Provisioned.NONE);
  }

  /**
   * A guest defined from the manifest's {@code xml_file}: that document renamed to the resource,
   * with the manifest's type and every changeable value it sets applied on top, and the mark.
   */
  static String fromTemplate(
      String templateXml, VmSpec spec, OwnershipMark mark, Host host, Provisioned storage) {
    Document doc = parse(templateXml);
    Element domain = doc.getDocumentElement();
    if (!domain.getTagName().equals("domain")) {
      throw new Unsupported("`xml_file` does not hold a libvirt <domain> definition");
    }
    domain.setAttribute("type", domainType(spec.virtType()));
    domain.removeAttribute("id");
    setText(domain, "name", spec.name());
    ownLogs(doc, spec.name());
    for (Map.Entry<Field, Object> e : spec.values().entrySet()) {
      if (e.getKey().kind() == Field.Kind.CHANGEABLE) {
        apply(doc, e.getKey(), e.getValue(), host);
      }
    }
    maximums(doc, spec, host);
    writeMark(
        doc,
        mark,
        createExtras(spec, spec.virtType() == VirtType.XEN_PARAVIRT, storage),
        storage.volumes());
    return serialize(doc);
  }

  /**
   * The persistent definition {@code xml} with {@code changes} written into it and the mark
   * replaced; create-time values recorded in the old mark are carried over.
   */
  static String edit(
      String xml, VmSpec spec, List<FieldChange> changes, OwnershipMark mark, Host host) {
    Document doc = parse(xml);
    Map<String, String> extras = new LinkedHashMap<>();
    List<Marks.Volume> volumes = new ArrayList<>();
    existingMark(doc)
        .ifPresent(
            old -> {
              for (String k : Marks.CARRIED) {
                if (old.hasAttribute(k)) {
                  extras.put(k, old.getAttribute(k));
                }
              }
              volumes.addAll(Marks.volumes(old));
            });
    for (FieldChange c : changes) {
      apply(doc, c.field(), c.after(), host);
    }
    maximums(doc, spec, host);
    spec.string(Field.NETWORK_MODEL).ifPresent(m -> extras.put(Marks.NETWORK_MODEL, m));
    writeMark(doc, mark, extras, volumes);
    return serialize(doc);
  }

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
        Element vcpu = first(domain, "vcpu");
        int current =
            vcpu != null && vcpu.hasAttribute("current")
                ? intAttr(vcpu, "current")
                : intText(domain, "vcpu", max);
        vcpus(domain, Math.min(current, max), max);
      }
      case DESC -> setText(domain, "description", value.toString());
      case ON_POWEROFF, ON_REBOOT, ON_CRASH ->
          setText(domain, f.key(), ((LifecycleAction) value).key());
      case GRAPHICS -> graphics(domain, value.toString());
      case VNC_PASSWORD -> vncPassword(domain, value.toString());
      case CLOCKSYNC -> clock(domain, value.toString(), host);
      case INTERFACES -> interfaces(domain, listOf(value), host);
      case NETWORK_MODEL -> {
        for (Element nic : children(devices(domain), "interface")) {
          nicModel(nic, value.toString());
        }
      }
      default -> {
        // autoboot and disk_size are not XML; policy keys are not properties of the guest; the
        // cloud-init documents are a seed image (CloudInitSeed)
      }
    }
  }

  private static Map<String, String> createExtras(
      VmSpec spec, boolean paravirt, Provisioned storage) {
    Map<String, String> extras = new LinkedHashMap<>(new java.util.TreeMap<>(storage.markValues()));
    for (Field f :
        List.of(
            Field.OS_VARIANT,
            Field.XML_FILE,
            Field.BOOT_LOCATION,
            Field.BOOT_OPTIONS,
            Field.KICKSTART)) {
      spec.string(f).ifPresent(v -> extras.put(f.key(), v));
    }
    if (spec.get(Field.XML_FILE).orElse(null) instanceof io.virtd.core.manifest.XmlFile x) {
      x.content().ifPresent(t -> extras.put(Marks.XML_FILE_DIGEST, DocumentDigest.of(t).encoded()));
    }
    spec.string(Field.MACHINE_TYPE).ifPresent(v -> extras.put(Marks.MACHINE_TYPE, v));
    extras.put(Marks.OS_TYPE, spec.string(Field.OS_TYPE).orElse(paravirt ? "linux" : "hvm"));
    spec.string(Field.NETWORK_MODEL).ifPresent(m -> extras.put(Marks.NETWORK_MODEL, m));
    return extras;
  }

  static String domainType(VirtType vt) {
    return switch (vt) {
      case KVM -> "kvm";
      case QEMU -> "qemu";
      case XEN_FULLYVIRT, XEN_PARAVIRT -> "xen";
      case OPENVZ ->
          throw new IllegalArgumentException("openvz guests are not libvirt domains here");
    };
  }

  /**
   * The maximums a manifest sets win over what a changed value did to them ({@code max_memory},
   * {@code max_cpus} are create-time keys, applied on creation and when they change).
   */
  private static void maximums(Document doc, VmSpec spec, Host host) {
    for (Field f : List.of(Field.MAX_MEMORY, Field.MAX_CPUS)) {
      if (spec.values().containsKey(f)) {
        apply(doc, f, spec.values().get(f), host);
      }
    }
  }

  private static void memory(Element domain, long current, long max) {
    setText(domain, "memory", Long.toString(max)).setAttribute("unit", "KiB");
    setText(domain, "currentMemory", Long.toString(current)).setAttribute("unit", "KiB");
  }

  /** A size element's value in KiB, or {@code otherwise} when it is missing or unreadable. */
  private static long kib(Element domain, String name, long otherwise) {
    Element e = first(domain, name);
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
    Element e = first(domain, name);
    try {
      return e == null ? otherwise : Integer.parseInt(e.getTextContent().strip());
    } catch (NumberFormatException x) {
      return otherwise;
    }
  }

  /** {@code current} vcpus online of {@code max}; the CPU topology follows the maximum. */
  private static void vcpus(Element domain, int current, int max) {
    int n = max;
    Element vcpu = setText(domain, "vcpu", Integer.toString(n));
    if (current < max) {
      vcpu.setAttribute("current", Integer.toString(current));
    } else {
      vcpu.removeAttribute("current");
    }
    for (Element e : children(domain, "vcpus")) {
      domain.removeChild(e);
    }
    Element cpu = first(domain, "cpu");
    Element topology = cpu == null ? null : first(cpu, "topology");
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
    List<Element> all = children(devices, "graphics");
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
      vnc = child(devices, "graphics");
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
    for (Element g : children(devices(domain), "graphics")) {
      if (g.getAttribute("type").equals("vnc")) {
        g.setAttribute("passwd", password);
      }
    }
  }

  private static void clock(Element domain, String value, Host host) {
    Element clock = first(domain, "clock");
    if (clock == null) {
      clock = child(domain, "clock");
    }
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
      default -> throw new Unsupported("unknown clocksync `" + value + "`");
    }
  }

  /**
   * Makes the guest's NICs the listed networks or bridges, in order, keeping each slot's MAC
   * address, model and PCI address so the guest sees the same cards.
   */
  private static void interfaces(Element domain, List<String> names, Host host) {
    Element devices = devices(domain);
    List<Element> old = children(devices, "interface");
    Document doc = domain.getOwnerDocument();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      boolean bridge = host.isBridge().test(name);
      Element nic = doc.createElement("interface");
      nic.setAttribute("type", bridge ? "bridge" : "network");
      Element prev = i < old.size() ? old.get(i) : null;
      if (prev != null) {
        copyChild(prev, nic, "mac");
      }
      child(nic, "source").setAttribute(bridge ? "bridge" : "network", name);
      if (prev != null && first(prev, "model") != null) {
        copyChild(prev, nic, "model");
      } else {
        child(nic, "model").setAttribute("type", "virtio");
      }
      if (prev != null) {
        copyChild(prev, nic, "boot");
        copyChild(prev, nic, "address");
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
    Element m = first(nic, "model");
    if (m == null) {
      m = child(nic, "model");
    }
    m.setAttribute("type", model);
  }

  private static void cpuModel(Element domain, String model) {
    Element cpu = child(domain, "cpu");
    switch (model) {
      case "host-passthrough", "host-model", "maximum" -> cpu.setAttribute("mode", model);
      default -> {
        cpu.setAttribute("mode", "custom");
        cpu.setAttribute("match", "exact");
        text(cpu, "model", model).setAttribute("fallback", "allow");
      }
    }
  }

  /**
   * A template's (or a {@code clone_from} base's) log files renamed for this guest, in the same
   * directories: two guests sharing a console log cannot run at once (virtlogd holds it) and would
   * write into each other's history.
   */
  private static void ownLogs(Document doc, String name) {
    NodeList logs = doc.getElementsByTagName("log");
    for (int i = 0; i < logs.getLength(); i++) {
      Element log = (Element) logs.item(i);
      if (log.hasAttribute("file")) {
        Path dir = Path.of(log.getAttribute("file")).getParent();
        String file = name + (i == 0 ? "-console.log" : "-console-" + i + ".log");
        log.setAttribute("file", (dir == null ? Path.of(file) : dir.resolve(file)).toString());
      }
    }
  }

  /** Where a kvm/qemu guest's serial console is kept (by virtlogd), for operators to read back. */
  static Path consoleLogPath(String name) {
    return Path.of("/var/log/libvirt/qemu", name + "-console.log");
  }

  /**
   * The console's history in a file: what a guest printed before anyone attached (a kernel panic,
   * cloud-init's output) stays readable. QEMU only; libxl has no such log.
   */
  private static void consoleLog(VmSpec spec, Element serial) {
    if (spec.virtType().isXen()) {
      return;
    }
    Element log = child(serial, "log");
    log.setAttribute("file", consoleLogPath(spec.name()).toString());
    log.setAttribute("append", "on");
  }

  private static void bootLocation(VmSpec spec, Element os) {
    Optional<String> location = spec.string(Field.BOOT_LOCATION);
    StringBuilder cmdline = new StringBuilder(spec.string(Field.BOOT_OPTIONS).orElse(""));
    spec.string(Field.KICKSTART)
        .ifPresent(ks -> cmdline.append(cmdline.length() > 0 ? " " : "").append("ks=").append(ks));
    if (location.isEmpty()) {
      if (cmdline.length() > 0) {
        throw new Unsupported(
            "`boot_options` and `kickstart` need `boot_location` (a kernel to pass them to)");
      }
      return;
    }
    Path loc = Path.of(location.get());
    Path kernel = Files.isDirectory(loc) ? loc.resolve("vmlinuz") : loc;
    Path dir = Files.isDirectory(loc) ? loc : loc.getParent();
    if (!Files.isRegularFile(kernel)) {
      throw new Unsupported("`boot_location`: no kernel at " + kernel);
    }
    text(os, "kernel", kernel.toString());
    for (String candidate : List.of("initrd.img", "initrd.gz", "initrd")) {
      Path initrd = dir == null ? null : dir.resolve(candidate);
      if (initrd != null && Files.isRegularFile(initrd)) {
        text(os, "initrd", initrd.toString());
        break;
      }
    }
    if (cmdline.length() > 0) {
      text(os, "cmdline", cmdline.toString());
    }
  }

  private static void disk(Disk d, VirtType vt, Element devices) {
    Element disk = child(devices, "disk");
    disk.setAttribute("type", d.block() ? "block" : "file");
    disk.setAttribute("device", "disk");
    if (!vt.isXen()) {
      Element driver = child(disk, "driver");
      driver.setAttribute("name", "qemu");
      driver.setAttribute("type", d.format());
    }
    child(disk, "source").setAttribute(d.block() ? "dev" : "file", d.path());
    Element target = child(disk, "target");
    target.setAttribute("dev", vt.isXen() ? "xvda" : "vda");
    target.setAttribute("bus", vt.isXen() ? "xen" : "virtio");
  }

  static Optional<Element> existingMark(Document doc) {
    Element metadata = first(doc.getDocumentElement(), "metadata");
    if (metadata == null) {
      return Optional.empty();
    }
    NodeList marks = metadata.getElementsByTagNameNS(Marks.NAMESPACE, Marks.ELEMENT);
    return marks.getLength() == 0 ? Optional.empty() : Optional.of((Element) marks.item(0));
  }

  /** {@code xml} without virtd's mark (and without an empty {@code <metadata>} left behind). */
  static String withoutMark(String xml) {
    Document doc = parse(xml);
    Optional<Element> mark = existingMark(doc);
    if (mark.isEmpty()) {
      return xml;
    }
    Element metadata = (Element) mark.get().getParentNode();
    metadata.removeChild(mark.get());
    if (metadata.getElementsByTagName("*").getLength() == 0) {
      metadata.getParentNode().removeChild(metadata);
    }
    return serialize(doc);
  }

  /** Replaces virtd's element in {@code <metadata>}, leaving other tools' elements alone. */
  static void writeMark(
      Document doc, OwnershipMark mark, Map<String, String> extras, List<Marks.Volume> volumes) {
    Element domain = doc.getDocumentElement();
    Element metadata = first(domain, "metadata");
    if (metadata == null) {
      metadata = doc.createElement("metadata");
      Element name = first(domain, "name");
      domain.insertBefore(metadata, name == null ? domain.getFirstChild() : name.getNextSibling());
    }
    for (Node n = metadata.getFirstChild(); n != null; ) {
      Node next = n.getNextSibling();
      if (n instanceof Element e && Marks.NAMESPACE.equals(e.getNamespaceURI())) {
        metadata.removeChild(e);
      }
      n = next;
    }
    Element m = doc.createElementNS(Marks.NAMESPACE, Marks.PREFIX + ":" + Marks.ELEMENT);
    m.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:" + Marks.PREFIX, Marks.NAMESPACE);
    m.setAttribute(Marks.OWNER, mark.owner());
    m.setAttribute(Marks.ORIGIN, mark.origin().key());
    m.setAttribute(Marks.MANIFEST, mark.manifest());
    m.setAttribute(Marks.HASH, mark.hash());
    extras.forEach(m::setAttribute);
    for (Marks.Volume v : volumes) {
      Element e = doc.createElementNS(Marks.NAMESPACE, Marks.PREFIX + ":" + Marks.VOLUME);
      e.setAttribute(Marks.POOL, v.pool());
      e.setAttribute(Marks.NAME, v.name());
      e.setAttribute(Marks.PATH, v.path());
      m.appendChild(e);
    }
    metadata.appendChild(m);
  }

  @SuppressWarnings("unchecked")
  private static List<String> listOf(Object value) {
    return value instanceof List<?> l ? (List<String>) l : List.of(value.toString());
  }

  // --- small DOM helpers

  private static Element devices(Element domain) {
    Element d = first(domain, "devices");
    return d != null ? d : child(domain, "devices");
  }

  static Element child(Element parent, String name) {
    Element e = parent.getOwnerDocument().createElement(name);
    parent.appendChild(e);
    return e;
  }

  static Element text(Element parent, String name, String text) {
    Element e = child(parent, name);
    e.setTextContent(text);
    return e;
  }

  /** Sets the text of the first {@code name} child, creating it when missing. */
  private static Element setText(Element parent, String name, String text) {
    Element e = first(parent, name);
    if (e == null) {
      e = child(parent, name);
    }
    e.setTextContent(text);
    return e;
  }

  private static void copyChild(Element from, Element to, String name) {
    Element e = first(from, name);
    if (e != null) {
      to.appendChild(e.cloneNode(true));
    }
  }

  static Element first(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getNamespaceURI() == null && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getNamespaceURI() == null && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  static Document newDocument() {
    try {
      return builderFactory().newDocumentBuilder().newDocument();
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    }
  }

  static Document parse(String xml) {
    try {
      DocumentBuilder b = builderFactory().newDocumentBuilder();
      b.setErrorHandler(QUIET); // the JDK's default prints "[Fatal Error] ..." on standard error
      return b.parse(new InputSource(new StringReader(xml)));
    } catch (ParserConfigurationException | SAXException | IOException e) {
      throw new Unsupported("not a well-formed domain XML document: " + e.getMessage());
    }
  }

  /** Errors become the parse's exception; nothing is printed. */
  private static final ErrorHandler QUIET =
      new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {}

        @Override
        public void error(SAXParseException e) throws SAXException {
          throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
          throw e;
        }
      };

  private static DocumentBuilderFactory builderFactory() throws ParserConfigurationException {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    f.setXIncludeAware(false);
    f.setExpandEntityReferences(false);
    return f;
  }

  static String serialize(Document doc) {
    try {
      TransformerFactory tf = TransformerFactory.newInstance();
      tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
      Transformer t = tf.newTransformer();
      t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
      t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
      StringWriter out = new StringWriter();
      t.transform(new DOMSource(doc), new StreamResult(out));
      return out.toString();
    } catch (TransformerException e) {
      throw new IllegalStateException("cannot serialise domain XML", e);
    }
  }

  /**
   * libvirt's name for a manifest {@code arch}: the spec keeps Puppet's {@code powerpc} and {@code
   * hppa}, which libvirt calls {@code ppc} and {@code parisc} ("Unknown architecture powerpc").
   */
  static String libvirtArch(String manifestArch) {
    return switch (manifestArch) {
      case "powerpc" -> "ppc";
      case "hppa" -> "parisc";
      default -> manifestArch; // i686, x86_64, ia64 are libvirt's names too
    };
  }

  /** The manifest's name for a libvirt arch, so a guest made with {@code powerpc} reads back so. */
  static String manifestArch(String libvirtArch) {
    return switch (libvirtArch) {
      case "ppc" -> "powerpc";
      case "parisc" -> "hppa";
      default -> libvirtArch;
    };
  }

  /** The host's architecture, by libvirt's name. */
  static String hostArch() {
    String a = System.getProperty("os.arch", "x86_64");
    return switch (a) {
      case "amd64", "x86_64" -> "x86_64";
      case "x86", "i386", "i486", "i586", "i686" -> "i686";
      case "ppc", "powerpc" -> "ppc";
      default -> a;
    };
  }

  static boolean isLocalBridge(String name) {
    return !name.contains("/")
        && !name.startsWith(".")
        && Files.isDirectory(Path.of("/sys/class/net", name, "bridge"));
  }

  static String hostTimezone() {
    String id = java.time.ZoneId.systemDefault().getId();
    return id.matches("[A-Za-z][A-Za-z0-9_+/-]*") ? id : "UTC";
  }
}
