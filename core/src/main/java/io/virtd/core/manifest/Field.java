package io.virtd.core.manifest;

import static io.virtd.core.manifest.DriverKind.LIBVIRT;
import static io.virtd.core.manifest.DriverKind.OPENVZ;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every key a {@code virt} manifest may hold ({@code ../shared/spec/manifests.md}), with the
 * drivers that support it, whether it can change after creation, and whether it is a secret. The
 * resource title ({@code virt: NAME}) is not a field.
 */
public enum Field {
  VIRT_TYPE("virt_type", Kind.CREATE_TIME, both(), WordValues.oneOf(virtTypes())),
  ENSURE("ensure", Kind.ENSURE, both(), WordValues.oneOf(enumWords(Ensure.values()))),
  DESC("desc", Kind.CHANGEABLE, both(), TextValues.STRING),
  MEMORY("memory", Kind.CHANGEABLE, both(), NumberValues.MEMORY),
  CPUS("cpus", Kind.CHANGEABLE, both(), NumberValues.intRange(1, 4096)),
  MAX_MEMORY("max_memory", Kind.CREATE_TIME, libvirt(), NumberValues.MEMORY),
  MAX_CPUS("max_cpus", Kind.CREATE_TIME, libvirt(), NumberValues.intRange(1, 4096)),
  ARCH("arch", Kind.CREATE_TIME, libvirt(), WordValues.oneOf(arches())),
  AUTOBOOT("autoboot", Kind.CHANGEABLE, both(), WordValues.BOOL),
  ON_POWEROFF("on_poweroff", Kind.CHANGEABLE, libvirt(), WordValues.oneOf(lifecycleActions())),
  ON_REBOOT("on_reboot", Kind.CHANGEABLE, libvirt(), WordValues.oneOf(lifecycleActions())),
  ON_CRASH("on_crash", Kind.CHANGEABLE, libvirt(), WordValues.oneOf(lifecycleActions())),
  GRAPHICS("graphics", Kind.CHANGEABLE, libvirt(), WordValues.GRAPHICS),
  CLOCKSYNC(
      "clocksync",
      Kind.CHANGEABLE,
      libvirt(),
      WordValues.oneOf(WordValues.words("UTC", "localtime", "timezone", "variable"))),
  OS_TYPE(
      "os_type",
      Kind.CREATE_TIME,
      libvirt(),
      WordValues.oneOf(WordValues.words("linux", "other", "solaris", "unix", "windows", "hvm"))),
  OS_VARIANT(
      "os_variant",
      Kind.CREATE_TIME,
      libvirt(),
      TextValues.matching(
          Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"), "an OS name such as debian12")),
  VIRT_PATH("virt_path", Kind.CREATE_TIME, libvirt(), TextValues.PATH),
  DISK_SIZE("disk_size", Kind.CREATE_TIME, libvirt(), NumberValues.integer(1, 1024 * 1024)),
  BOOT_LOCATION("boot_location", Kind.CREATE_TIME, libvirt(), TextValues.PATH),
  BOOT_OPTIONS("boot_options", Kind.CREATE_TIME, libvirt(), TextValues.STRING),
  KICKSTART(
      "kickstart",
      Kind.CREATE_TIME,
      libvirt(),
      // one word of the kernel command line it is appended to: no blanks
      TextValues.matching(
          Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:[^\\s]+"),
          "a URL such as http://example.org/ks.cfg")),
  PXE("pxe", Kind.CREATE_TIME, libvirt(), WordValues.BOOL),
  INTERFACES("interfaces", Kind.CHANGEABLE, both(), NetworkValues.INTERFACES),
  XML_FILE("xml_file", Kind.CREATE_TIME, libvirt(), TextValues.XML_FILE),
  HOSTNAME(
      "hostname",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.matching(Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})"), "a host name")),
  ID("id", Kind.CREATE_TIME, openvz(), NumberValues.integer(101, 2_147_483_647)),
  USER("user", Kind.CHANGEABLE, openvz(), SecretValues.USER_PASSWORD, true),
  IPADDR(
      "ipaddr",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.checkedList(NetworkValues::isIp, "an IPv4 or IPv6 address")),
  NAMESERVER(
      "nameserver",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.checkedList(NetworkValues::isIp, "an IPv4 or IPv6 address")),
  SEARCHDOMAIN(
      "searchdomain",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.matching(Pattern.compile("[A-Za-z0-9.-]+( [A-Za-z0-9.-]+)*"), "a DNS domain")),
  CPUUNITS("cpuunits", Kind.CHANGEABLE, openvz(), NumberValues.integer(8, 500_000)),
  CPULIMIT("cpulimit", Kind.CHANGEABLE, openvz(), NumberValues.integer(0, 100_000)),
  IOPRIO("ioprio", Kind.CHANGEABLE, openvz(), NumberValues.integer(0, 7)),
  DISKSPACE("diskspace", Kind.CHANGEABLE, openvz(), NumberValues.integer(1, Long.MAX_VALUE / 1024)),
  DISKINODES(
      "diskinodes", Kind.CHANGEABLE, openvz(), NumberValues.integer(1, Long.MAX_VALUE / 1024)),
  QUOTATIME("quotatime", Kind.CHANGEABLE, openvz(), NumberValues.integer(0, Integer.MAX_VALUE)),
  QUOTAUGIDLIMIT(
      "quotaugidlimit", Kind.CHANGEABLE, openvz(), NumberValues.integer(0, Integer.MAX_VALUE)),
  NOATIME("noatime", Kind.CHANGEABLE, openvz(), WordValues.BOOL),
  FEATURES(
      "features",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.checkedList(Pattern.compile("[a-z0-9_]+:(on|off)"), "a feature such as nfs:on")),
  CAPABILITY(
      "capability",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.checkedList(
          Pattern.compile("[a-z_]+:(on|off)"), "a capability such as net_admin:on")),
  DEVICES(
      "devices",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.checkedList(
          Pattern.compile("([bc]:[0-9]+:([0-9]+|all)|all):[rwq]*|none"),
          "a device such as c:10:200:rw")),
  IPTABLES(
      "iptables",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.checkedList(
          Pattern.compile("[A-Za-z][A-Za-z0-9_]*"), "an iptables module such as ipt_REJECT")),
  RESOURCES_PARAMETERS(
      "resources_parameters",
      Kind.CHANGEABLE,
      openvz(),
      TextValues.checkedList(
          Pattern.compile("[a-z]+=([0-9]+|unlimited)(:([0-9]+|unlimited))?"),
          "NAME=barrier:limit, e.g. kmemsize=14372700:14790164")),
  DISABLED("disabled", Kind.CHANGEABLE, openvz(), WordValues.BOOL),
  OSTEMPLATE(
      "ostemplate",
      Kind.CREATE_TIME,
      openvz(),
      TextValues.matching(
          Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}"),
          "an OS template name such as debian-12-x86_64")),
  SHUTDOWN_TIMEOUT("shutdown_timeout", Kind.POLICY, both(), NumberValues.DURATION),
  RESTART("restart", Kind.POLICY, both(), WordValues.oneOf(WordValues.words("never", "on_change"))),
  IMAGE("image", Kind.CREATE_TIME, libvirt(), TextValues.PATH),
  IMAGE_MODE(
      "image_mode",
      Kind.CREATE_TIME,
      libvirt(),
      WordValues.oneOf(WordValues.words("cow", "clone"))),
  CLONE_FROM(
      "clone_from",
      Kind.CREATE_TIME,
      libvirt(),
      TextValues.matching(Names.PATTERN, "a domain name")),
  USER_DATA(
      "user_data",
      Kind.CHANGEABLE,
      libvirt(),
      DocumentValues.DOCUMENT,
      true), // often holds passwords
  META_DATA("meta_data", Kind.CHANGEABLE, libvirt(), DocumentValues.DOCUMENT),
  NETWORK_CONFIG("network_config", Kind.CHANGEABLE, libvirt(), DocumentValues.DOCUMENT),
  NETWORK_MODEL(
      "network_model",
      Kind.CHANGEABLE,
      libvirt(),
      TextValues.matching(
          Pattern.compile("[a-z0-9_-]{1,32}"), "a NIC model such as virtio or e1000")),
  VNC_PASSWORD("vnc_password", Kind.CHANGEABLE, libvirt(), SecretValues.VNC_PASSWORD, true),
  MACHINE_TYPE(
      "machine_type",
      Kind.CREATE_TIME,
      libvirt(),
      TextValues.matching(
          Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"), "a machine type such as q35")),
  CPU_MODEL(
      "cpu_model",
      Kind.CREATE_TIME,
      libvirt(),
      TextValues.matching(
          Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"),
          "a CPU model such as host-passthrough")),
  VIDEO_MODEL(
      "video_model",
      Kind.CREATE_TIME,
      libvirt(),
      TextValues.matching(
          Pattern.compile("[a-z0-9_-]{1,32}"), "a video model such as virtio or vga")),
  CONNECT("connect", Kind.POLICY, libvirt(), NetworkValues.CONNECT),
  PROTECT("protect", Kind.POLICY, both(), WordValues.BOOL),
  /** The QEMU guest agent's virtio channel ({@code org.qemu.guest_agent.0}). */
  GUEST_AGENT("guest_agent", Kind.CHANGEABLE, libvirt(), WordValues.BOOL),
  DISKS("disks", Kind.CHANGEABLE, libvirt(), DeviceValues.DISKS),
  NICS("nics", Kind.CHANGEABLE, libvirt(), DeviceValues.NICS);

  /** How a key behaves over a guest's life. */
  public enum Kind {
    /** The run state; always managed. */
    ENSURE,
    /** Brought to the new value on an existing guest. */
    CHANGEABLE,
    /** Used at creation; a later difference needs the guest re-created. */
    CREATE_TIME,
    /** Steers how virtd acts (timeouts, restarts, protection), not a property of the guest. */
    POLICY
  }

  private final String key;
  private final Kind kind;
  private final Set<DriverKind> drivers;
  private final Values.Parser parser;
  private final boolean secret;

  Field(String key, Kind kind, Set<DriverKind> drivers, Values.Parser parser) {
    this(key, kind, drivers, parser, false);
  }

  Field(String key, Kind kind, Set<DriverKind> drivers, Values.Parser parser, boolean secret) {
    this.key = key;
    this.kind = kind;
    this.drivers = drivers;
    this.parser = parser;
    this.secret = secret;
  }

  public String key() {
    return key;
  }

  public Kind kind() {
    return kind;
  }

  public boolean supportedBy(DriverKind driver) {
    return drivers.contains(driver);
  }

  public Set<DriverKind> drivers() {
    return EnumSet.copyOf(drivers);
  }

  public boolean secret() {
    return secret;
  }

  /** Whether this key describes the guest itself (so plans compare it), rather than policy. */
  public boolean isGuestProperty() {
    return kind == Kind.CHANGEABLE || kind == Kind.CREATE_TIME;
  }

  /** The JSON Schema of this key's values ({@link ManifestSchema}). */
  com.fasterxml.jackson.databind.node.ObjectNode valueSchema() {
    return parser.schema();
  }

  Object parse(YNode node, java.nio.file.Path baseDir) {
    return parser.parse(node, new Values.Ctx(key, baseDir, secret));
  }

  private static final Map<String, Field> BY_KEY = new LinkedHashMap<>();

  static {
    for (Field f : values()) {
      BY_KEY.put(f.key, f);
    }
  }

  public static Optional<Field> byKey(String key) {
    return Optional.ofNullable(BY_KEY.get(key));
  }

  public static List<String> keys() {
    return List.copyOf(BY_KEY.keySet());
  }

  @Override
  public String toString() {
    return key;
  }

  private static Set<DriverKind> both() {
    return EnumSet.of(LIBVIRT, OPENVZ);
  }

  private static Set<DriverKind> libvirt() {
    return EnumSet.of(LIBVIRT);
  }

  private static Set<DriverKind> openvz() {
    return EnumSet.of(OPENVZ);
  }

  private static Map<String, Object> virtTypes() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (VirtType t : VirtType.values()) {
      m.put(t.key(), t);
    }
    m.put("xen_fullyvirt", VirtType.XEN_FULLYVIRT);
    m.put("xen_paravirt", VirtType.XEN_PARAVIRT);
    return m;
  }

  private static Map<String, Object> enumWords(Ensure[] values) {
    Map<String, Object> m = new LinkedHashMap<>();
    Arrays.stream(values).forEach(v -> m.put(v.key(), v));
    return m;
  }

  private static Map<String, Object> arches() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String a : List.of("i686", "x86_64", "ia64", "powerpc", "hppa")) {
      m.put(a, a);
    }
    m.put("i386", "i686");
    m.put("amd64", "x86_64");
    return m;
  }

  private static Map<String, Object> lifecycleActions() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (LifecycleAction a : LifecycleAction.values()) {
      m.put(a.key(), a);
    }
    m.put("preserv", LifecycleAction.PRESERVE);
    return m;
  }
}
