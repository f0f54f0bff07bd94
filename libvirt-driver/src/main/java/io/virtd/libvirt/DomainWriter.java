package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.DocumentDigest;
import io.virtd.core.spi.OwnershipMark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Writes libvirt domain XML through the DOM, so no value (a description with {@code <} or {@code
 * &}, a name with quotes) can add elements. New guests get a minimal definition; an existing one is
 * edited in place, so its UUID, MAC addresses and everything virtd does not manage stay as they
 * were.
 */
final class DomainWriter {
  private DomainWriter() {}

  /** A value virtd cannot write (yet); the message names the key. */
  static final class Unsupported extends RuntimeException {
    Unsupported(String message) {
      super(message);
    }
  }

  /**
   * A disk's data: a file or block device (one under {@code /dev}) and the format QEMU is to read
   * it as.
   */
  record Disk(String path, String format) {
    /** An existing file or device used as it is; the format follows the file name. */
    static Disk existing(Path p) {
      String n = p.getFileName().toString();
      return new Disk(p.toString(), n.endsWith(".qcow2") || n.endsWith(".qcow") ? "qcow2" : "raw");
    }

    /**
     * The disk of the single-disk keys ({@code virt_path}, {@code image}, {@code disk_size}) as the
     * one item of {@code disks} it is: {@code vda} on virtio, or {@code xvda} on Xen's own bus.
     */
    DiskSpec item(VirtType vt) {
      return DiskStorage.single(vt, null, null, null, null, format, path);
    }
  }

  /**
   * What the storage work gave a new guest: its disk, the create-time storage values the mark
   * records (so they can be reported later), and the volumes virtd made (removed with the guest).
   */
  record Provisioned(
      Map<String, String> markValues, List<Marks.Volume> volumes, List<DiskSpec> disks) {
    static final Provisioned NONE = new Provisioned(Map.of(), List.of(), List.of());

    Provisioned {
      markValues = Map.copyOf(markValues);
      volumes = List.copyOf(volumes);
      disks = List.copyOf(disks);
    }
  }

  /** A new guest's definition without storage (no disk is written). */
  static String create(VmSpec spec, OwnershipMark mark, Host host) {
    return create(spec, mark, host, Provisioned.NONE);
  }

  /** A new guest's definition: the manifest's values, the defaults for the rest, and the mark. */
  static String create(VmSpec spec, OwnershipMark mark, Host host, Provisioned storage) {
    Document doc = Dom.newDocument();
    VirtType vt = spec.virtType();
    boolean paravirt = vt == VirtType.XEN_PARAVIRT;
    String arch = spec.string(Field.ARCH).map(Arch::toLibvirt).orElse(host.arch());

    Element domain = doc.createElement("domain");
    domain.setAttribute("type", domainType(vt));
    doc.appendChild(domain);
    Dom.text(domain, "name", spec.name());
    spec.string(Field.DESC).ifPresent(d -> Dom.text(domain, "description", d));
    domain.appendChild(doc.createElement("metadata"));
    long maxMemory =
        spec.values().containsKey(Field.MAX_MEMORY)
            ? (Long) spec.values().get(Field.MAX_MEMORY)
            : spec.memoryKiB();
    Dom.text(domain, "memory", Long.toString(maxMemory)).setAttribute("unit", "KiB");
    Dom.text(domain, "currentMemory", Long.toString(spec.memoryKiB())).setAttribute("unit", "KiB");
    int maxCpus = (Integer) spec.values().getOrDefault(Field.MAX_CPUS, spec.cpus());
    Element vcpu = Dom.text(domain, "vcpu", Integer.toString(maxCpus));
    if (spec.cpus() < maxCpus) {
      vcpu.setAttribute("current", Integer.toString(spec.cpus()));
    }
    if (paravirt) {
      Dom.text(domain, "bootloader", "/usr/bin/pygrub");
    }
    Element os = Dom.child(domain, "os");
    Element type = Dom.text(os, "type", paravirt ? "linux" : "hvm");
    type.setAttribute("arch", arch);
    spec.string(Field.MACHINE_TYPE).ifPresent(m -> type.setAttribute("machine", m));
    bootLocation(spec, os);
    if (!paravirt) {
      if (Boolean.TRUE.equals(spec.values().get(Field.PXE))) {
        Dom.child(os, "boot").setAttribute("dev", "network");
      }
      Dom.child(os, "boot").setAttribute("dev", "hd");
    }
    if (!paravirt && (arch.equals("x86_64") || arch.equals("i686"))) {
      Element features = Dom.child(domain, "features");
      Dom.child(features, "acpi");
      Dom.child(features, "apic");
    }
    spec.string(Field.CPU_MODEL).ifPresent(m -> cpuModel(domain, m));
    Dom.child(domain, "clock").setAttribute("offset", "utc");
    Dom.text(domain, "on_poweroff", LifecycleAction.DESTROY.key());
    Dom.text(domain, "on_reboot", LifecycleAction.RESTART.key());
    Dom.text(domain, "on_crash", LifecycleAction.DESTROY.key());
    Element devices = Dom.child(domain, "devices");
    storage.disks().forEach(d -> devices.appendChild(DeviceXml.diskElement(doc, d)));
    List<String> generated = new ArrayList<>();
    for (Object o : spec.get(Field.NICS).map(List.class::cast).orElse(List.of())) {
      io.virtd.core.manifest.NicSpec n = (io.virtd.core.manifest.NicSpec) o;
      if (n.mac() == null) {
        n = n.withMac(DeviceXml.newMac());
        generated.add(n.mac());
      }
      n =
          new io.virtd.core.manifest.NicSpec(
              n.type(),
              n.source(),
              n.mac(),
              io.virtd.core.plan.DeviceItems.model(n, spec),
              n.link());
      devices.appendChild(DeviceXml.nicElement(doc, n));
    }
    Element serial = Dom.child(devices, "serial");
    serial.setAttribute("type", "pty");
    consoleLog(spec, serial);
    Dom.child(serial, "target").setAttribute("port", "0");
    Element console = Dom.child(devices, "console");
    console.setAttribute("type", "pty");
    Element ct = Dom.child(console, "target");
    ct.setAttribute("type", paravirt ? "xen" : "serial");
    ct.setAttribute("port", "0");
    spec.string(Field.VIDEO_MODEL)
        .ifPresent(m -> Dom.child(Dom.child(devices, "video"), "model").setAttribute("type", m));

    for (Field f :
        List.of(
            Field.CLOCKSYNC,
            Field.ON_POWEROFF,
            Field.ON_REBOOT,
            Field.ON_CRASH,
            Field.GRAPHICS,
            Field.INTERFACES,
            Field.NETWORK_MODEL,
            Field.VNC_PASSWORD,
            Field.GUEST_AGENT)) {
      if (spec.isSet(f)) {
        DomainFieldWriter.apply(doc, f, spec.values().get(f), host);
      }
    }
    Map<String, String> extras = createExtras(spec, paravirt, storage);
    if (!generated.isEmpty()) {
      extras.put(ObservedDevices.GENERATED_MACS, String.join(" ", generated));
    }
    Marks.write(doc, mark, extras, storage.volumes());
    return Dom.serialize(doc);
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
    Document doc = Dom.parse(templateXml);
    Element domain = doc.getDocumentElement();
    if (!domain.getTagName().equals("domain")) {
      throw new Unsupported("`xml_file` does not hold a libvirt <domain> definition");
    }
    domain.setAttribute("type", domainType(spec.virtType()));
    domain.removeAttribute("id");
    Dom.setText(domain, "name", spec.name());
    ownLogs(doc, spec.name());
    for (Map.Entry<Field, Object> e : spec.values().entrySet()) {
      if (e.getKey().kind() == Field.Kind.CHANGEABLE) {
        DomainFieldWriter.apply(doc, e.getKey(), e.getValue(), host);
      }
    }
    maximums(doc, spec, host);
    Marks.write(
        doc,
        mark,
        createExtras(spec, spec.virtType() == VirtType.XEN_PARAVIRT, storage),
        storage.volumes());
    return Dom.serialize(doc);
  }

  /**
   * The persistent definition {@code xml} with {@code changes} written into it and the mark
   * replaced; create-time values recorded in the old mark are carried over.
   */
  static String edit(
      String xml, VmSpec spec, List<FieldChange> changes, OwnershipMark mark, Host host) {
    return edit(xml, spec, changes, mark, host, Map.of(), List.of());
  }

  /**
   * As {@link #edit(String, VmSpec, List, OwnershipMark, Host)}, with what the update made for
   * disks and NICs it adds: mark values and volumes recorded beside those carried over (a disk's
   * volume stays listed after the disk is removed, and goes only with the guest).
   */
  static String edit(
      String xml,
      VmSpec spec,
      List<FieldChange> changes,
      OwnershipMark mark,
      Host host,
      Map<String, String> addedMarkValues,
      List<Marks.Volume> addedVolumes) {
    Document doc = Dom.parse(xml);
    Map<String, String> extras = new LinkedHashMap<>();
    List<Marks.Volume> volumes = new ArrayList<>();
    Marks.find(doc)
        .ifPresent(
            old -> {
              for (String k : Marks.CARRIED) {
                if (old.hasAttribute(k)) {
                  extras.put(k, old.getAttribute(k));
                }
              }
              var attrs = old.getAttributes();
              for (int i = 0; i < attrs.getLength(); i++) {
                String k = attrs.item(i).getNodeName();
                if (k.startsWith("disk-") || k.equals(ObservedDevices.GENERATED_MACS)) {
                  extras.put(k, attrs.item(i).getNodeValue());
                }
              }
              volumes.addAll(Marks.volumes(old));
            });
    addedMarkValues.forEach(
        (k, v) ->
            extras.merge(
                k, v, (a, b) -> k.equals(ObservedDevices.GENERATED_MACS) ? a + " " + b : b));
    for (Marks.Volume v : addedVolumes) {
      if (!volumes.contains(v)) {
        volumes.add(v);
      }
    }
    for (FieldChange c : changes) {
      if (io.virtd.core.plan.DeviceItems.isDeviceList(c.field())) {
        DeviceXml.apply(doc, c);
        continue;
      }
      DomainFieldWriter.apply(doc, c.field(), c.after(), host);
    }
    maximums(doc, spec, host);
    spec.string(Field.NETWORK_MODEL).ifPresent(m -> extras.put(Marks.NETWORK_MODEL, m));
    Marks.write(doc, mark, extras, volumes);
    return Dom.serialize(doc);
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
        DomainFieldWriter.apply(doc, f, spec.values().get(f), host);
      }
    }
  }

  private static void cpuModel(Element domain, String model) {
    Element cpu = Dom.child(domain, "cpu");
    switch (model) {
      case "host-passthrough", "host-model", "maximum" -> cpu.setAttribute("mode", model);
      default -> {
        cpu.setAttribute("mode", "custom");
        cpu.setAttribute("match", "exact");
        Dom.text(cpu, "model", model).setAttribute("fallback", "allow");
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
    Element log = Dom.child(serial, "log");
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
    Dom.text(os, "kernel", kernel.toString());
    for (String candidate : List.of("initrd.img", "initrd.gz", "initrd")) {
      Path initrd = dir == null ? null : dir.resolve(candidate);
      if (initrd != null && Files.isRegularFile(initrd)) {
        Dom.text(os, "initrd", initrd.toString());
        break;
      }
    }
    if (cmdline.length() > 0) {
      Dom.text(os, "cmdline", cmdline.toString());
    }
  }
}
