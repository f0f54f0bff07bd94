package io.virtd.libvirt;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.Unset;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads the fields virtd compares out of one libvirt domain XML document, normalised to the types
 * the manifest model uses. A streaming (StAX) pass, because observe runs over every guest on every
 * reconcile and most of a domain's XML is of no interest.
 */
final class DomainReader {
  private DomainReader() {}

  /**
   * What one XML document says.
   *
   * @param fields the normalised values (never {@code autoboot}, which is not in the XML)
   * @param maxMemoryKiB {@code <memory>}, the guest's maximum
   * @param maxVcpus the {@code <vcpu>} value, the guest's maximum
   * @param disk the path of the disk virtd made for the guest (what {@code disk_size} measures)
   * @param volumes the volumes virtd created for the guest, from the mark
   * @param seedAttached whether a disk shows the guest's cloud-init seed image ({@code
   *     NAME-cidata.iso})
   * @param refusedLive the live changes the running guest refused ({@link
   *     Marks#REFUSED_NAMESPACE}); only a running guest's XML has them
   * @param nics each NIC's MAC address (lower case), in document order
   * @param agentConnected whether the guest agent's channel shows a connected agent (only a running
   *     guest's XML says so)
   */
  record Facts(
      String name,
      Map<Field, Object> fields,
      long maxMemoryKiB,
      int maxVcpus,
      Optional<OwnershipMark> mark,
      Optional<String> disk,
      List<Marks.Volume> volumes,
      boolean seedAttached,
      java.util.Set<Field> refusedLive,
      List<String> nics,
      boolean agentConnected) {
    Facts {
      volumes = List.copyOf(volumes);
      refusedLive = java.util.Set.copyOf(refusedLive);
      nics = List.copyOf(nics);
    }

    /** Facts of a document whose NICs' MACs and agent are not asked for. */
    Facts(
        String name,
        Map<Field, Object> fields,
        long maxMemoryKiB,
        int maxVcpus,
        Optional<OwnershipMark> mark,
        Optional<String> disk,
        List<Marks.Volume> volumes,
        boolean seedAttached,
        java.util.Set<Field> refusedLive) {
      this(
          name,
          fields,
          maxMemoryKiB,
          maxVcpus,
          mark,
          disk,
          volumes,
          seedAttached,
          refusedLive,
          List.of(),
          false);
    }
  }

  private static final ThreadLocal<XMLInputFactory> FACTORY =
      ThreadLocal.withInitial(DomainReader::factory);

  static XMLInputFactory factory() {
    XMLInputFactory f = XMLInputFactory.newDefaultFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_COALESCING, true);
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    // Setting up the JDK's reader costs more than parsing a domain's XML; reusing it is safe
    // because each thread closes its reader before it makes the next one.
    f.setProperty("reuse-instance", Boolean.TRUE);
    return f;
  }

  static Facts read(String xml) {
    try {
      XMLStreamReader r = FACTORY.get().createXMLStreamReader(new StringReader(xml));
      try {
        return new Parse().run(r);
      } finally {
        r.close();
      }
    } catch (XMLStreamException | RuntimeException e) {
      throw new IllegalArgumentException("unreadable domain XML: " + e.getMessage(), e);
    }
  }

  /** The state of one pass; fields are filled as their elements go by. */
  private static final class Parse {
    String domainType;
    String name;
    String description;
    Long memory;
    Long currentMemory;
    Integer vcpu;
    Integer vcpuCurrent;
    String arch;
    String osType;
    String machine;
    final List<String> bootDevs = new ArrayList<>();
    boolean kernel;
    boolean nicBootsFirst;
    boolean hasDisk;
    String diskSource;
    String clock;
    final Map<Field, Object> actions = new EnumMap<>(Field.class);
    String graphics;
    String vncPassword;
    String videoModel;
    String cpuMode;
    String cpuModel;
    Map<String, String> mark;
    final java.util.Set<Field> refused = java.util.EnumSet.noneOf(Field.class);
    final List<Marks.Volume> volumes = new ArrayList<>();
    final DeviceListReader devices = new DeviceListReader();

    Facts run(XMLStreamReader r) throws XMLStreamException {
      String[] path = new String[8];
      int depth = 0;
      while (r.hasNext()) {
        int ev = r.next();
        if (ev == XMLStreamConstants.END_ELEMENT) {
          depth--;
          continue;
        }
        if (ev != XMLStreamConstants.START_ELEMENT) {
          continue;
        }
        String ln = r.getLocalName();
        if (depth < path.length) {
          path[depth] = ln;
        }
        depth++;
        boolean consumed =
            switch (depth) {
              case 1 -> {
                domainType = r.getAttributeValue(null, "type");
                yield false;
              }
              case 2 -> top(r, ln);
              case 3 -> second(r, path[1], ln);
              case 4 -> third(r, path[1], path[2], ln);
              default -> false;
            };
        if (consumed) {
          depth--; // getElementText() read through the end tag
        }
      }
      return facts();
    }

    private boolean top(XMLStreamReader r, String ln) throws XMLStreamException {
      switch (ln) {
        case "name" -> name = r.getElementText().strip();
        case "description" -> description = r.getElementText();
        case "memory" -> memory = kib(r.getAttributeValue(null, "unit"), r.getElementText());
        case "currentMemory" ->
            currentMemory = kib(r.getAttributeValue(null, "unit"), r.getElementText());
        case "vcpu" -> {
          String current = r.getAttributeValue(null, "current");
          vcpuCurrent = current == null ? null : Integer.valueOf(current.strip());
          vcpu = Integer.valueOf(r.getElementText().strip());
        }
        case "clock" -> {
          clock = r.getAttributeValue(null, "offset");
          return false;
        }
        case "on_poweroff" -> action(Field.ON_POWEROFF, r.getElementText());
        case "on_reboot" -> action(Field.ON_REBOOT, r.getElementText());
        case "on_crash" -> action(Field.ON_CRASH, r.getElementText());
        case "cpu" -> {
          cpuMode = r.getAttributeValue(null, "mode");
          return false;
        }
        default -> {
          return false;
        }
      }
      return true;
    }

    private boolean second(XMLStreamReader r, String parent, String ln) throws XMLStreamException {
      switch (parent) {
        case "os" -> {
          switch (ln) {
            case "type" -> {
              arch = r.getAttributeValue(null, "arch");
              machine = r.getAttributeValue(null, "machine");
              osType = r.getElementText().strip();
              return true;
            }
            case "boot" -> bootDevs.add(String.valueOf(r.getAttributeValue(null, "dev")));
            case "kernel" -> kernel = true;
            default -> {}
          }
        }
        case "metadata" -> {
          if (ln.equals(Marks.ELEMENT)
              && Marks.NAMESPACE.equals(r.getNamespaceURI())
              && mark == null) {
            mark = new java.util.HashMap<>();
            for (int i = 0; i < r.getAttributeCount(); i++) {
              if (r.getAttributeNamespace(i) == null || r.getAttributeNamespace(i).isEmpty()) {
                mark.put(r.getAttributeLocalName(i), r.getAttributeValue(i));
              }
            }
          } else if (ln.equals(Marks.REFUSED)
              && Marks.REFUSED_NAMESPACE.equals(r.getNamespaceURI())) {
            refused.addAll(Marks.refusedFields(r.getAttributeValue(null, Marks.FIELDS)));
          }
        }
        case "devices" -> {
          switch (ln) {
            case "graphics" -> {
              if (graphics == null) {
                graphics = graphics(r);
                if ("vnc".equals(r.getAttributeValue(null, "type"))) {
                  vncPassword = r.getAttributeValue(null, "passwd");
                }
              }
            }
            case "disk" -> {
              if ("disk".equals(r.getAttributeValue(null, "device")) && !hasDisk) {
                hasDisk = true;
                diskSource = "";
              }
              devices.disk(r);
            }
            case "interface" -> {
              String type = r.getAttributeValue(null, "type");
              devices.nic(type);
            }
            default -> {}
          }
        }
        case "cpu" -> {
          if (ln.equals("model")) {
            cpuModel = r.getElementText().strip();
            return true;
          }
        }
        default -> {}
      }
      return false;
    }

    private boolean third(XMLStreamReader r, String top, String parent, String ln)
        throws XMLStreamException {
      if (top.equals("devices") && devices.child(r, parent, ln)) {
        return true;
      }
      if (top.equals("metadata")
          && parent.equals(Marks.ELEMENT)
          && ln.equals(Marks.VOLUME)
          && Marks.NAMESPACE.equals(r.getNamespaceURI())
          && mark != null
          && volumes.size() < 64) {
        volumes.add(
            new Marks.Volume(attr(r, Marks.POOL), attr(r, Marks.NAME), attr(r, Marks.PATH)));
        return false;
      }
      if (!top.equals("devices")) {
        return false;
      }
      if (parent.equals("disk") && ln.equals("source") && "".equals(diskSource)) {
        for (String a : List.of("file", "dev", "name")) {
          if (r.getAttributeValue(null, a) != null) {
            diskSource = r.getAttributeValue(null, a);
            break;
          }
        }
      }
      if (parent.equals("interface") && ln.equals("boot")) {
        nicBootsFirst |= "1".equals(r.getAttributeValue(null, "order"));
      }
      if (parent.equals("video") && ln.equals("model") && videoModel == null) {
        videoModel = r.getAttributeValue(null, "type");
      }
      return false;
    }

    private static String attr(XMLStreamReader r, String name) {
      String v = r.getAttributeValue(null, name);
      return v == null ? "" : v;
    }

    private void action(Field f, String text) {
      try {
        actions.put(f, LifecycleAction.fromKey(text.strip()));
      } catch (IllegalArgumentException e) {
        // coredump-destroy and the like: nothing a manifest can ask for, so it always differs
      }
    }

    private static String graphics(XMLStreamReader r) {
      String type = r.getAttributeValue(null, "type");
      if (!"vnc".equals(type)) {
        return type == null ? "(unknown)" : type;
      }
      String autoport = r.getAttributeValue(null, "autoport");
      String port = r.getAttributeValue(null, "port");
      if ("yes".equals(autoport) || port == null || port.equals("-1")) {
        return "enable";
      }
      return "vnc:" + port.strip();
    }

    private Facts facts() {
      Map<Field, Object> f = new EnumMap<>(Field.class);
      String osWord = osType == null ? null : osType.toLowerCase(Locale.ROOT);
      VirtType vt = virtType(domainType, osWord);
      if (vt != null) {
        f.put(Field.VIRT_TYPE, vt);
      }
      Long mem = currentMemory != null ? currentMemory : memory;
      if (mem != null) {
        f.put(Field.MEMORY, mem);
      }
      if (memory != null) {
        f.put(Field.MAX_MEMORY, memory);
      }
      Integer cpus = vcpuCurrent != null ? vcpuCurrent : vcpu;
      if (cpus != null) {
        f.put(Field.CPUS, cpus);
      }
      if (vcpu != null) {
        f.put(Field.MAX_CPUS, vcpu);
      }
      if (arch != null) {
        f.put(Field.ARCH, Arch.toManifest(arch));
      }
      // A full-virt guest's XML says only "hvm", which fits every os_type family (linux, windows,
      // ...): only the value recorded at creation is known. A paravirt guest can only be linux.
      String markedOsType = mark == null ? null : mark.get(Marks.OS_TYPE);
      if (markedOsType != null) {
        f.put(Field.OS_TYPE, markedOsType);
      } else if ("linux".equals(osWord) || "xen".equals(osWord)) {
        f.put(Field.OS_TYPE, "linux");
      }
      f.putAll(actions);
      f.put(Field.GRAPHICS, graphics == null ? "disable" : graphics);
      if (vncPassword != null) {
        f.put(Field.VNC_PASSWORD, vncPassword);
      }
      if (clock != null) {
        f.put(Field.CLOCKSYNC, clockSync(clock));
      }
      if (description != null) {
        f.put(Field.DESC, description);
      }
      f.put(Field.INTERFACES, devices.interfaces());
      f.put(Field.GUEST_AGENT, devices.agentChannel);
      String nicModel = devices.nicModel(mark);
      if (nicModel != null) {
        f.put(Field.NETWORK_MODEL, nicModel);
      }
      // create-time values the XML shows: compared on every guest, adopted ones included
      f.put(Field.VIDEO_MODEL, videoModel != null ? videoModel : Unset.VALUE);
      f.put(Field.PXE, bootDevs.isEmpty() ? nicBootsFirst : bootDevs.get(0).equals("network"));
      if (machine != null && !machine.isBlank()) {
        f.put(Field.MACHINE_TYPE, new MachineType(machine.strip()));
      } else if (mark != null && mark.get(Marks.MACHINE_TYPE) != null) {
        f.put(Field.MACHINE_TYPE, mark.get(Marks.MACHINE_TYPE));
      }
      if (!kernel) {
        for (Field k : List.of(Field.BOOT_LOCATION, Field.BOOT_OPTIONS, Field.KICKSTART)) {
          f.put(k, Unset.VALUE); // no direct kernel boot
        }
      }
      if (!hasDisk) {
        f.put(Field.VIRT_PATH, Unset.VALUE);
        f.put(Field.DISK_SIZE, Unset.VALUE); // no disk at all: a disk_size added is a re-create
      } else if (!diskSource.isEmpty()
          && (mark == null
              || OwnershipMark.Origin.fromKey(mark.get(Marks.ORIGIN))
                  != OwnershipMark.Origin.CREATED)) {
        f.put(Field.VIRT_PATH, new DiskSource(diskSource));
      }
      if (cpuMode != null) {
        if (cpuMode.equals("custom")) {
          if (cpuModel != null) {
            f.put(Field.CPU_MODEL, cpuModel);
          }
        } else {
          f.put(Field.CPU_MODEL, cpuMode);
        }
      } else if (cpuModel != null) {
        f.put(Field.CPU_MODEL, cpuModel);
      }
      f.put(Field.DISKS, devices.disks(mark, volumes));
      f.put(Field.NICS, devices.nics());
      Optional<OwnershipMark> owned =
          mark == null ? Optional.empty() : Optional.of(Marks.read(mark, kernel, f));
      long maxMem = memory != null ? memory : mem == null ? 0 : mem;
      int maxCpus = vcpu != null ? vcpu : 0;
      Optional<String> disk =
          Optional.ofNullable(mark == null ? null : mark.get(Marks.DISK)).filter(d -> !d.isEmpty());
      return new Facts(
          name,
          Collections.unmodifiableMap(f),
          maxMem,
          maxCpus,
          owned,
          disk,
          volumes,
          devices.seedAttached(name),
          refused,
          devices.macs,
          devices.agentConnected);
    }
  }

  static VirtType virtType(String domainType, String osType) {
    if (domainType == null) {
      return null;
    }
    return switch (domainType) {
      case "kvm" -> VirtType.KVM;
      case "qemu" -> VirtType.QEMU;
      case "xen" ->
          "hvm".equals(osType)
              ? VirtType.XEN_FULLYVIRT
              : "linux".equals(osType) || "xen".equals(osType) ? VirtType.XEN_PARAVIRT : null;
      default -> null;
    };
  }

  static String clockSync(String offset) {
    return switch (offset) {
      case "utc" -> "UTC";
      case "localtime" -> "localtime";
      case "timezone" -> "timezone";
      case "variable" -> "variable";
      default -> offset;
    };
  }

  /** A libvirt scaled integer in KiB; libvirt itself always writes {@code unit='KiB'}. */
  static long kib(String unit, String text) {
    long n = Long.parseLong(text.strip());
    if (unit == null) {
      return n;
    }
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "b", "bytes" -> n / 1024;
      case "k", "kib" -> n;
      case "kb" -> n * 1000 / 1024;
      case "m", "mib" -> n * 1024;
      case "mb" -> n * 1_000_000 / 1024;
      case "g", "gib" -> n * 1024 * 1024;
      case "gb" -> n * 1_000_000_000 / 1024;
      case "t", "tib" -> n * 1024 * 1024 * 1024;
      case "tb" -> n * 1_000_000_000_000L / 1024;
      default -> throw new IllegalArgumentException("unknown memory unit " + unit);
    };
  }
}
