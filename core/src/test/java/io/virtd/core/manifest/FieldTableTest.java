package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.assertError;
import static io.virtd.core.manifest.Manifests.hasError;
import static io.virtd.core.manifest.Manifests.load;
import static io.virtd.core.manifest.Manifests.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest key ({@link Field}) from {@code shared/spec/manifests.md}: valid values and every
 * alias, the defaults, and invalid values with the exact line and column of the error.
 *
 * <p>Each document is written as
 *
 * <pre>
 * virt: web01          # line 1
 * virt_type: kvm       # line 2 (openvz for OpenVZ-only keys)
 * KEY: VALUE           # line 3: VALUE starts at column len(KEY) + 3
 * EXTRA                # line 4 on: companions some keys need (boot_location, image, ...)
 * </pre>
 *
 * <p>({@code virt_type} itself is written on line 2 with no other line.) The lines and columns in
 * {@link #invalid()} were counted by hand from that layout.
 */
class FieldTableTest {
  /** One valid value and what the loader must make of it. */
  record Valid(Field field, String value, String extra, Object expected) {
    @Override
    public String toString() {
      return field.key() + ": " + value + (extra.isEmpty() ? "" : " (+ " + extra.strip() + ")");
    }
  }

  /** One invalid value, with where the error must point and what it must say. */
  record Invalid(Field field, String value, String extra, int line, int col, String message) {
    @Override
    public String toString() {
      return field.key()
          + ": "
          + value
          + (extra.isEmpty() ? "" : " (+ " + extra.strip() + ")")
          + " -> "
          + line
          + ":"
          + col;
    }
  }

  /** A path the loader must resolve against the manifest's directory. */
  record Rel(String path) {}

  static Valid ok(Field f, String value, Object expected) {
    return new Valid(f, value, "", expected);
  }

  static Valid ok(Field f, String value, String extra, Object expected) {
    return new Valid(f, value, extra, expected);
  }

  static Invalid bad(Field f, String value, int line, int col, String message) {
    return new Invalid(f, value, "", line, col, message);
  }

  static Invalid bad(Field f, String value, String extra, int line, int col, String message) {
    return new Invalid(f, value, extra, line, col, message);
  }

  static String document(Field f, String value, String extra) {
    if (f == Field.VIRT_TYPE) {
      return "virt: web01\nvirt_type: " + value + "\n" + extra;
    }
    // Xen takes every lifecycle action; QEMU's limits are ValueSafetyTest's
    String type =
        f == Field.ON_POWEROFF || f == Field.ON_REBOOT || f == Field.ON_CRASH
            ? "xen-fullyvirt"
            : f.supportedBy(DriverKind.LIBVIRT) ? "kvm" : "openvz";
    return "virt: web01\nvirt_type: " + type + "\n" + f.key() + ": " + value + "\n" + extra;
  }

  private static final String BOOT = "boot_location: /srv/install/debian12\n";

  static Stream<Valid> valid() {
    return Stream.of(
        ok(Field.VIRT_TYPE, "kvm", VirtType.KVM),
        ok(Field.VIRT_TYPE, "qemu", VirtType.QEMU),
        ok(Field.VIRT_TYPE, "xen-fullyvirt", VirtType.XEN_FULLYVIRT),
        ok(Field.VIRT_TYPE, "xen-paravirt", VirtType.XEN_PARAVIRT),
        ok(Field.VIRT_TYPE, "openvz", VirtType.OPENVZ),
        ok(Field.VIRT_TYPE, "xen_fullyvirt", VirtType.XEN_FULLYVIRT), // the Puppet spelling
        ok(Field.VIRT_TYPE, "xen_paravirt", VirtType.XEN_PARAVIRT),
        ok(Field.ENSURE, "running", Ensure.RUNNING),
        ok(Field.ENSURE, "stopped", Ensure.STOPPED),
        ok(Field.ENSURE, "installed", Ensure.INSTALLED),
        ok(Field.ENSURE, "absent", Ensure.ABSENT),
        ok(Field.DESC, "web server, rack 4", "web server, rack 4"),
        ok(Field.DESC, "1.10", "1.10"), // as written, not the float 1.1
        ok(Field.DESC, ".inf", ".inf"), // a YAML float Jackson cannot read is still text
        ok(Field.DESC, "0x1F", "0x1F"),
        ok(Field.MEMORY, "512", 512L * 1024), // bare integer: MiB
        ok(Field.MEMORY, "512MiB", 512L * 1024),
        ok(Field.MEMORY, "1GiB", 1024L * 1024),
        ok(Field.MEMORY, "1048576KiB", 1024L * 1024),
        ok(Field.MEMORY, "512m", 512L * 1024),
        ok(Field.MEMORY, "1g", 1024L * 1024),
        ok(Field.MEMORY, "512M", 512L * 1024),
        ok(Field.MEMORY, "512MB", 512L * 1024), // MB is 1024-based too
        ok(Field.MEMORY, "2048K", 2048L),
        ok(Field.MEMORY, "1536kb", 1536L),
        ok(Field.MEMORY, "2GB", 2L * 1024 * 1024),
        ok(Field.MEMORY, "1T", 1024L * 1024 * 1024),
        ok(Field.MEMORY, "16TiB", 16L * 1024 * 1024 * 1024), // the maximum
        ok(Field.MEMORY, "1024KiB", 1024L), // the minimum, 1 MiB
        ok(Field.MEMORY, "\"2048\"", 2048L * 1024), // a quoted bare number is MiB too
        ok(Field.MEMORY, "0512", 512L * 1024), // decimal, not YAML 1.1 octal
        ok(Field.CPUS, "2", 2),
        ok(Field.CPUS, "1", 1),
        ok(Field.MAX_MEMORY, "2g", 2048L * 1024), // at least the 512 MiB default memory
        ok(Field.MAX_MEMORY, "1024", "memory: 256\n", 1024L * 1024),
        ok(Field.MAX_CPUS, "4", 4),
        ok(Field.MAX_CPUS, "2", "cpus: 2\n", 2),
        ok(Field.ARCH, "i686", "i686"),
        ok(Field.ARCH, "i386", "i686"),
        ok(Field.ARCH, "x86_64", "x86_64"),
        ok(Field.ARCH, "amd64", "x86_64"),
        ok(Field.ARCH, "ia64", "ia64"),
        ok(Field.ARCH, "powerpc", "powerpc"),
        ok(Field.ARCH, "hppa", "hppa"),
        ok(Field.AUTOBOOT, "true", true),
        ok(Field.AUTOBOOT, "false", false),
        ok(Field.ON_POWEROFF, "destroy", LifecycleAction.DESTROY),
        ok(Field.ON_POWEROFF, "restart", LifecycleAction.RESTART),
        ok(Field.ON_POWEROFF, "preserve", LifecycleAction.PRESERVE),
        ok(Field.ON_POWEROFF, "preserv", LifecycleAction.PRESERVE), // the Puppet spelling
        ok(Field.ON_POWEROFF, "rename-restart", LifecycleAction.RENAME_RESTART),
        ok(Field.ON_REBOOT, "restart", LifecycleAction.RESTART),
        ok(Field.ON_REBOOT, "preserv", LifecycleAction.PRESERVE),
        ok(Field.ON_CRASH, "restart", LifecycleAction.RESTART),
        ok(Field.ON_CRASH, "preserv", LifecycleAction.PRESERVE),
        ok(Field.ON_CRASH, "rename-restart", LifecycleAction.RENAME_RESTART),
        ok(Field.GRAPHICS, "enable", "enable"),
        ok(Field.GRAPHICS, "disable", "disable"),
        ok(Field.GRAPHICS, "vnc:5901", "vnc:5901"),
        ok(Field.CLOCKSYNC, "UTC", "UTC"),
        ok(Field.CLOCKSYNC, "localtime", "localtime"),
        ok(Field.CLOCKSYNC, "timezone", "timezone"),
        ok(Field.CLOCKSYNC, "variable", "variable"),
        ok(Field.CLOCKSYNC, "utc", "UTC"), // case-insensitive, kept as the spec spells it
        ok(Field.OS_TYPE, "linux", "linux"),
        ok(Field.OS_TYPE, "other", "other"),
        ok(Field.OS_TYPE, "solaris", "solaris"),
        ok(Field.OS_TYPE, "unix", "unix"),
        ok(Field.OS_TYPE, "windows", "windows"),
        ok(Field.OS_TYPE, "hvm", "hvm"),
        ok(Field.OS_VARIANT, "debian12", "debian12"),
        ok(Field.OS_VARIANT, "win2k22", "win2k22"),
        ok(
            Field.VIRT_PATH,
            "/var/lib/libvirt/images/web01.qcow2",
            "/var/lib/libvirt/images/web01.qcow2"),
        ok(Field.VIRT_PATH, "disks/web01.img", new Rel("disks/web01.img")),
        ok(Field.VIRT_PATH, "/dev/zvol/tank/web01", "/dev/zvol/tank/web01"),
        ok(Field.DISK_SIZE, "20", 20L),
        ok(Field.BOOT_LOCATION, "/srv/install/debian12", "/srv/install/debian12"),
        ok(Field.BOOT_LOCATION, "../install/vmlinuz", new Rel("../install/vmlinuz")),
        ok(Field.BOOT_OPTIONS, "console=ttyS0 auto=true", BOOT, "console=ttyS0 auto=true"),
        ok(Field.KICKSTART, "http://example.com/ks.cfg", BOOT, "http://example.com/ks.cfg"),
        ok(Field.PXE, "true", true),
        ok(Field.PXE, "false", false),
        ok(Field.INTERFACES, "default", List.of("default")),
        ok(Field.INTERFACES, "[default, br0]", List.of("default", "br0")),
        ok(Field.INTERFACES, "\n  - br0\n  - br1", List.of("br0", "br1")),
        ok(Field.INTERFACES, "disable", List.of()),
        ok(Field.XML_FILE, "/etc/virtd/xml/web01.xml", "/etc/virtd/xml/web01.xml"),
        ok(Field.XML_FILE, "web01.xml", new Rel("web01.xml")),
        ok(Field.HOSTNAME, "ct101.example.com", "ct101.example.com"),
        ok(Field.ID, "101", 101L),
        ok(Field.ID, "0102", 102L), // decimal, not YAML 1.1 octal
        ok(Field.USER, "root:s3cret", "root:s3cret"),
        ok(
            Field.IPADDR,
            "[10.0.0.5, 2001:db8::5, \"10.1.0.0/24\"]",
            List.of("10.0.0.5", "2001:db8::5", "10.1.0.0/24")),
        ok(Field.IPADDR, "10.0.0.5", List.of("10.0.0.5")),
        ok(
            Field.NAMESERVER,
            "[8.8.8.8, 2001:4860:4860::8888]",
            List.of("8.8.8.8", "2001:4860:4860::8888")),
        ok(Field.SEARCHDOMAIN, "example.com", "example.com"),
        ok(Field.SEARCHDOMAIN, "example.com example.org", "example.com example.org"),
        ok(Field.CPUUNITS, "1000", 1000L),
        ok(Field.CPULIMIT, "50", 50L),
        ok(Field.IOPRIO, "4", 4L),
        ok(Field.DISKSPACE, "10485760", 10485760L),
        ok(Field.DISKINODES, "200000", 200000L),
        ok(Field.QUOTATIME, "0", 0L),
        ok(Field.QUOTAUGIDLIMIT, "100", 100L),
        ok(Field.NOATIME, "true", true),
        ok(Field.NOATIME, "no", false), // YAML 1.1 booleans, as Puppet manifests write them
        ok(Field.FEATURES, "[nfs:on, sit:off]", List.of("nfs:on", "sit:off")),
        ok(Field.CAPABILITY, "[net_admin:on]", List.of("net_admin:on")),
        ok(Field.DEVICES, "[c:10:200:rw, b:8:all:r]", List.of("c:10:200:rw", "b:8:all:r")),
        ok(Field.IPTABLES, "[ipt_REJECT, ip_conntrack]", List.of("ipt_REJECT", "ip_conntrack")),
        ok(
            Field.RESOURCES_PARAMETERS,
            "[kmemsize=14372700:14790164, numproc=unlimited]",
            List.of("kmemsize=14372700:14790164", "numproc=unlimited")),
        ok(Field.DISABLED, "false", false),
        ok(Field.OSTEMPLATE, "debian-12-x86_64", "debian-12-x86_64"),
        ok(Field.SHUTDOWN_TIMEOUT, "30s", Duration.ofSeconds(30)),
        ok(Field.SHUTDOWN_TIMEOUT, "5m", Duration.ofMinutes(5)),
        ok(Field.SHUTDOWN_TIMEOUT, "250ms", Duration.ofMillis(250)),
        ok(Field.SHUTDOWN_TIMEOUT, "2h", Duration.ofHours(2)),
        ok(Field.RESTART, "never", "never"),
        ok(Field.RESTART, "on_change", "on_change"),
        ok(Field.IMAGE, "/var/lib/virtd/base/debian12.qcow2", "/var/lib/virtd/base/debian12.qcow2"),
        ok(Field.IMAGE, "base/debian12.qcow2", new Rel("base/debian12.qcow2")),
        ok(Field.IMAGE_MODE, "cow", "image: /var/lib/virtd/base/debian12.qcow2\n", "cow"),
        ok(Field.IMAGE_MODE, "clone", "clone_from: template01\n", "clone"),
        ok(Field.CLONE_FROM, "template01", "template01"),
        ok(Field.USER_DATA, "{packages: [nginx]}", Map.of("packages", List.of("nginx"))),
        ok(
            Field.USER_DATA,
            "\"#cloud-config\\npackages: [nginx]\\n\"",
            "#cloud-config\npackages: [nginx]\n"),
        ok(
            Field.META_DATA,
            "{instance-id: web01, local-hostname: web01}",
            Map.of("instance-id", "web01", "local-hostname", "web01")),
        ok(Field.NETWORK_CONFIG, "{version: 2}", Map.of("version", 2L)),
        ok(Field.NETWORK_MODEL, "virtio", "virtio"),
        ok(Field.NETWORK_MODEL, "e1000", "e1000"),
        ok(Field.NETWORK_MODEL, "rtl8139", "rtl8139"),
        ok(Field.VNC_PASSWORD, "hunter2", "hunter2"),
        ok(Field.VNC_PASSWORD, "01234567", "01234567"), // digits, kept as written
        ok(Field.MACHINE_TYPE, "q35", "q35"),
        ok(Field.MACHINE_TYPE, "pc-q35-8.2", "pc-q35-8.2"),
        ok(Field.CPU_MODEL, "host-passthrough", "host-passthrough"),
        ok(Field.VIDEO_MODEL, "virtio", "virtio"),
        ok(Field.CONNECT, "qemu:///system", "qemu:///system"),
        ok(Field.CONNECT, "qemu+ssh://host/system", "qemu+ssh://host/system"),
        ok(Field.CONNECT, "test:///default", "test:///default"),
        ok(Field.PROTECT, "true", true),
        ok(Field.PROTECT, "false", false),
        ok(Field.GUEST_AGENT, "true", true),
        ok(Field.GUEST_AGENT, "false", false),
        ok(
            Field.DISKS,
            "[{size: 10}, {path: /dev/sdz, bus: scsi}]",
            List.of(
                DiskSpec.blank("vda", 10),
                new DiskSpec(
                    "sda",
                    "scsi",
                    null,
                    null,
                    "/dev/sdz",
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    false,
                    false,
                    null,
                    null))),
        ok(
            Field.NICS,
            "[{network: default, mac: \"52:54:00:AB:00:01\", link: down}]",
            List.of(
                new NicSpec(NicSpec.Type.NETWORK, "default", "52:54:00:ab:00:01", null, "down"))));
  }

  /** Invalid values: line and column counted by hand (see the class comment for the layout). */
  static Stream<Invalid> invalid() {
    return Stream.of(
        bad(
            Field.VIRT_TYPE,
            "vmware",
            2,
            12,
            "`virt_type` must be one of kvm, qemu, xen-fullyvirt, xen-paravirt, openvz, not `vmware`"),
        bad(Field.VIRT_TYPE, "kvmm", 2, 12, "did you mean `kvm`?"),
        bad(
            Field.ENSURE,
            "runing",
            3,
            9,
            "`ensure` must be one of running, stopped, installed, absent, not `runing`; did you mean `running`?"),
        bad(
            Field.ENSURE,
            "[running]",
            3,
            9,
            "`ensure` must be one of running, stopped, installed, absent, not a list"),
        bad(Field.DESC, "[web, server]", 3, 7, "`desc` must be a string, not a list"),
        bad(Field.DESC, "\"\"", 3, 7, "`desc` must not be empty"),
        bad(Field.MEMORY, "-512", 3, 9, "`memory` must be positive, not -512"),
        bad(Field.MEMORY, "0", 3, 9, "`memory` must be positive, not 0"),
        bad(Field.MEMORY, "\"-1G\"", 3, 9, "`memory` must be positive, not `-1G`"),
        bad(Field.MEMORY, "512X", 3, 9, "unknown size unit `X` in `512X`"),
        bad(Field.MEMORY, "1.5", 3, 9, "`memory` must be a whole number"),
        bad(Field.MEMORY, "1.5GiB", 3, 9, "`1.5GiB` is not a size"),
        bad(Field.MEMORY, ".inf", 3, 9, "`memory`: `.inf` is not a size"),
        bad(Field.MEMORY, "1023KiB", 3, 9, "less than the minimum of 1 MiB"),
        bad(Field.MEMORY, "17TiB", 3, 9, "more than the maximum of 16 TiB"),
        bad(
            Field.MEMORY,
            "[512]",
            3,
            9,
            "`memory` must be an integer (MiB) or a size such as 1GiB, not a list"),
        // nothing after `memory:`: the error points just past the colon, where the value is missing
        bad(
            Field.MEMORY,
            "",
            3,
            8,
            "`memory` must be an integer (MiB) or a size such as 1GiB, not an empty value"),
        bad(Field.CPUS, "0", 3, 7, "`cpus` must be between 1 and 4096, not 0"),
        bad(Field.CPUS, "two", 3, 7, "`cpus` must be an integer, not `two`"),
        bad(Field.CPUS, "{n: 2}", 3, 7, "`cpus` must be an integer, not a map"),
        bad(
            Field.MAX_MEMORY,
            "256",
            3,
            1, // combination errors point at the key
            "`max_memory` is below `memory` (512 MiB, the default): a maximum must be at least the"
                + " value"),
        new Invalid(
            Field.MAX_MEMORY,
            "1g",
            "memory: 2g\n",
            3,
            1,
            "`max_memory` is below `memory` (2048 MiB): a maximum must be at least the value"),
        new Invalid(
            Field.MAX_CPUS,
            "2",
            "cpus: 4\n",
            3,
            1,
            "`max_cpus` is below `cpus` (4): a maximum must be at least the value"),
        bad(Field.MAX_CPUS, "0", 3, 11, "`max_cpus` must be between 1 and 4096, not 0"),
        bad(
            Field.ARCH,
            "sparc",
            3,
            7,
            "`arch` must be one of i686, x86_64, ia64, powerpc, hppa, not `sparc`"),
        bad(Field.AUTOBOOT, "maybe", 3, 11, "`autoboot` must be true or false, not `maybe`"),
        bad(
            Field.ON_POWEROFF,
            "reboot",
            3,
            14,
            "`on_poweroff` must be one of destroy, restart, preserve, rename-restart, not `reboot`"),
        bad(Field.ON_REBOOT, "resart", 3, 12, "did you mean `restart`?"),
        bad(
            Field.ON_CRASH,
            "coredump-destroy",
            3,
            11,
            "`on_crash` must be one of destroy, restart, preserve, rename-restart, not `coredump-destroy`"),
        bad(
            Field.GRAPHICS,
            "vnc:80",
            3,
            11,
            "`graphics`: VNC port must be 5900 to 65535, not `80`"),
        bad(
            Field.GRAPHICS,
            "spice",
            3,
            11,
            "`graphics` must be enable, disable or vnc:PORT, not `spice`"),
        bad(
            Field.CLOCKSYNC,
            "gmt",
            3,
            12,
            "`clocksync` must be one of UTC, localtime, timezone, variable, not `gmt`"),
        bad(Field.CLOCKSYNC, "UTCC", 3, 12, "did you mean `UTC`?"),
        bad(
            Field.OS_TYPE,
            "macos",
            3,
            10,
            "`os_type` must be one of linux, other, solaris, unix, windows, hvm, not `macos`"),
        bad(
            Field.OS_VARIANT,
            "\"debian 12\"",
            3,
            13,
            "`os_variant` must be an OS name such as debian12, not `debian 12`"),
        bad(Field.VIRT_PATH, "[a.img, b.img]", 3, 12, "`virt_path` must be a string, not a list"),
        bad(Field.DISK_SIZE, "0", 3, 12, "`disk_size` must be between 1 and 1048576, not 0"),
        bad(Field.DISK_SIZE, "20G", 3, 12, "`disk_size` must be an integer, not `20G`"),
        bad(
            Field.BOOT_LOCATION,
            "{dir: /srv}",
            3,
            16,
            "`boot_location` must be a string, not a map"),
        bad(
            Field.BOOT_OPTIONS,
            "[console=ttyS0]",
            BOOT,
            3,
            15,
            "`boot_options` must be a string, not a list"),
        bad(Field.BOOT_OPTIONS, "console=ttyS0", 3, 1, "`boot_options` needs `boot_location`"),
        bad(
            Field.KICKSTART,
            "\"not a url\"",
            BOOT,
            3,
            12,
            "`kickstart` must be a URL such as http://example.org/ks.cfg, not `not a url`"),
        bad(
            Field.KICKSTART,
            "\"http://example.org/ks.cfg init=/bin/sh\"",
            BOOT,
            3,
            12,
            "`kickstart` must be a URL such as http://example.org/ks.cfg, not"),
        bad(
            Field.KICKSTART,
            "http://example.com/ks.cfg",
            3,
            1,
            "`kickstart` needs `boot_location`"),
        bad(Field.PXE, "sometimes", 3, 6, "`pxe` must be true or false, not `sometimes`"),
        bad(
            Field.INTERFACES,
            "[default, \"bad name\"]",
            3,
            23,
            "`interfaces`: `bad name` is not a network or bridge name"),
        bad(
            Field.INTERFACES,
            "\n  - default\n  - \"br 1\"",
            5,
            5,
            "`interfaces`: `br 1` is not a network or bridge name"),
        bad(
            Field.INTERFACES,
            "{br0: yes}",
            3,
            13,
            "`interfaces` must be a list of strings, not contain a map"),
        bad(Field.XML_FILE, "[web01.xml]", 3, 11, "`xml_file` must be a string, not a list"),
        bad(
            Field.HOSTNAME,
            "\"bad_host\"",
            3,
            11,
            "`hostname` must be a host name, not `bad_host`"),
        bad(Field.ID, "100", 3, 5, "`id` must be between 101 and 2147483647, not 100"),
        bad(Field.ID, "ct101", 3, 5, "`id` must be an integer, not `ct101`"),
        bad(
            Field.USER,
            "rootonly",
            3,
            7,
            "`user` must have the form user:password (value not shown)"),
        bad(
            Field.IPADDR,
            "[10.0.0.5, 300.1.1.1]",
            3,
            20,
            "`ipaddr`: `300.1.1.1` is not an IPv4 or IPv6 address"),
        bad(
            Field.NAMESERVER,
            "dns.example.com",
            3,
            13,
            "`nameserver`: `dns.example.com` is not an IPv4 or IPv6 address"),
        bad(
            Field.NAMESERVER,
            "\n  - 8.8.8.8\n  - dns.example.com",
            5,
            5,
            "`nameserver`: `dns.example.com` is not an IPv4 or IPv6 address"),
        bad(
            Field.SEARCHDOMAIN,
            "\"bad_domain!\"",
            3,
            15,
            "`searchdomain` must be a DNS domain, not `bad_domain!`"),
        bad(Field.CPUUNITS, "1", 3, 11, "`cpuunits` must be between 8 and 500000, not 1"),
        bad(Field.CPULIMIT, "-1", 3, 11, "`cpulimit` must be between 0 and 100000, not -1"),
        bad(Field.IOPRIO, "8", 3, 9, "`ioprio` must be between 0 and 7, not 8"),
        bad(Field.DISKSPACE, "10G", 3, 12, "`diskspace` must be an integer, not `10G`"),
        bad(Field.DISKINODES, "0", 3, 13, "`diskinodes` must be between 1 and"),
        bad(Field.QUOTATIME, "-5", 3, 12, "`quotatime` must be between 0 and 2147483647, not -5"),
        bad(Field.QUOTAUGIDLIMIT, "lots", 3, 17, "`quotaugidlimit` must be an integer, not `lots`"),
        bad(Field.NOATIME, "sometimes", 3, 10, "`noatime` must be true or false, not `sometimes`"),
        bad(Field.FEATURES, "[nfs]", 3, 12, "`features`: `nfs` is not a feature such as nfs:on"),
        bad(
            Field.CAPABILITY,
            "[net_admin:maybe]",
            3,
            14,
            "`capability`: `net_admin:maybe` is not a capability such as net_admin:on"),
        bad(
            Field.DEVICES,
            "[c:10:200:xx]",
            3,
            11,
            "`devices`: `c:10:200:xx` is not a device such as c:10:200:rw"),
        bad(
            Field.IPTABLES,
            "[\"ipt REJECT\"]",
            3,
            12,
            "`iptables`: `ipt REJECT` is not an iptables module such as ipt_REJECT"),
        bad(
            Field.RESOURCES_PARAMETERS,
            "[kmemsize:100]",
            3,
            24,
            "`resources_parameters`: `kmemsize:100` is not NAME=barrier:limit"),
        bad(Field.DISABLED, "2", 3, 11, "`disabled` must be true or false, not `2`"),
        bad(
            Field.OSTEMPLATE,
            "\"../etc/passwd\"",
            3,
            13,
            "`ostemplate` must be an OS template name such as debian-12-x86_64, not `../etc/passwd`"),
        bad(
            Field.SHUTDOWN_TIMEOUT,
            "30",
            3,
            19,
            "`shutdown_timeout` must be a duration such as 30s or 5m, not `30`"),
        bad(
            Field.SHUTDOWN_TIMEOUT,
            "30sec",
            3,
            19,
            "`shutdown_timeout`: `30sec` is not a duration"),
        bad(Field.SHUTDOWN_TIMEOUT, "1d", 3, 19, "`shutdown_timeout`: `1d` is not a duration"),
        bad(
            Field.RESTART,
            "always",
            3,
            10,
            "`restart` must be one of never, on_change, not `always`"),
        bad(Field.IMAGE, "[a.qcow2]", 3, 8, "`image` must be a string, not a list"),
        bad(
            Field.IMAGE_MODE,
            "copy",
            "image: /var/lib/virtd/base/debian12.qcow2\n",
            3,
            13,
            "`image_mode` must be one of cow, clone, not `copy`"),
        bad(Field.IMAGE_MODE, "cow", 3, 1, "`image_mode` needs `image` or `clone_from`"),
        bad(Field.CLONE_FROM, "../x", 3, 13, "`clone_from` must be a domain name, not `../x`"),
        bad(
            Field.USER_DATA,
            "42",
            3,
            12,
            "`user_data` must be a YAML map or a string, not an integer"),
        bad(
            Field.META_DATA,
            "true",
            3,
            12,
            "`meta_data` must be a YAML map or a string, not a boolean"),
        bad(
            Field.NETWORK_CONFIG,
            "7",
            3,
            17,
            "`network_config` must be a YAML map or a string, not an integer"),
        bad(
            Field.NETWORK_MODEL,
            "\"Virt IO\"",
            3,
            16,
            "`network_model` must be a NIC model such as virtio or e1000, not `Virt IO`"),
        bad(
            Field.VNC_PASSWORD,
            "[a, b]",
            3,
            15,
            "`vnc_password` must be a non-empty string (value not shown)"),
        bad(
            Field.VNC_PASSWORD,
            "\"two\\nlines\"",
            3,
            15,
            "`vnc_password` must be a single line (value not shown)"),
        bad(
            Field.VNC_PASSWORD,
            "nine-char",
            3,
            15,
            "`vnc_password` is at most 8 characters, VNC's limit (value not shown)"),
        bad(
            Field.MACHINE_TYPE,
            "\"q35 --x\"",
            3,
            15,
            "`machine_type` must be a machine type such as q35, not `q35 --x`"),
        bad(
            Field.CPU_MODEL,
            "\"host passthrough\"",
            3,
            12,
            "`cpu_model` must be a CPU model such as host-passthrough, not `host passthrough`"),
        bad(
            Field.VIDEO_MODEL,
            "\"v g a\"",
            3,
            14,
            "`video_model` must be a video model such as virtio or vga, not `v g a`"),
        bad(
            Field.CONNECT,
            "/var/run/libvirt/libvirt-sock",
            3,
            10,
            "`connect`: `/var/run/libvirt/libvirt-sock` is not a libvirt URI such as qemu:///system"),
        bad(Field.PROTECT, "\"yes\"", 3, 10, "`protect` must be true or false, not `yes`"),
        bad(Field.GUEST_AGENT, "\"yes\"", 3, 14, "`guest_agent` must be true or false, not `yes`"),
        bad(
            Field.DISKS,
            "[{size: 1, target: vdb}, {size: 2, target: vdb}]",
            3,
            43,
            "`disks[1]`: target `vdb` is already the target of the disk at 3:19"),
        bad(Field.NICS, "[{bridge: br0, mac: \"01:00:5e:00:00:01\"}]", 3, 27, "multicast"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void validValueIsReadAsSpecified(Valid c, @TempDir Path dir) throws Exception {
    DesiredState s = load(dir, document(c.field(), c.value(), c.extra()));
    assertEquals(List.of(), s.problems(), "no problem expected");
    VmSpec spec = s.get("web01").orElseThrow();
    Object expected =
        c.expected() instanceof Rel r
            ? dir.toAbsolutePath().resolve(r.path()).normalize().toString()
            : c.expected();
    Object actual = spec.values().get(c.field());
    assertEquals(expected, actual instanceof XmlFile x ? x.path() : actual);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void invalidValueIsAnErrorAtItsLineAndColumn(Invalid c, @TempDir Path dir) throws Exception {
    DesiredState s = load(dir, document(c.field(), c.value(), c.extra()));
    Problem p = onlyProblem(s);
    assertError(p, c.line(), c.col(), c.message());
    assertEquals(dir.resolve("m.yaml"), p.file());
    assertTrue(
        p.toString().startsWith(dir.resolve("m.yaml") + ":" + c.line() + ":" + c.col() + ": "),
        p::toString);
    assertTrue(s.resources().isEmpty(), "an invalid resource is not part of the desired state");
  }

  @Test
  void everyFieldHasValidAndInvalidRows() {
    Set<Field> all = EnumSet.allOf(Field.class);
    Set<Field> withValid =
        valid()
            .map(Valid::field)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(Field.class)));
    Set<Field> withInvalid =
        invalid()
            .map(Invalid::field)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(Field.class)));
    assertEquals(all, withValid, "fields without a valid row");
    assertEquals(all, withInvalid, "fields without an invalid row");
    // and the table's keys are exactly the loader's keys
    assertEquals(Field.keys(), Stream.of(Field.values()).map(Field::key).toList());
  }

  // ---- defaults ----

  @Test
  void defaultsWhenLeftOut(@TempDir Path dir) throws Exception {
    DesiredState s = load(dir, "virt: web01\nvirt_type: kvm\n");
    assertEquals(List.of(), s.problems());
    VmSpec spec = s.get("web01").orElseThrow();
    assertEquals(512L * 1024, spec.memoryKiB());
    assertEquals(1, spec.cpus());
    assertEquals(Duration.ofSeconds(60), spec.shutdownTimeout());
    assertEquals(Ensure.RUNNING, spec.ensure());
    assertFalse(spec.restartOnChange());
    assertFalse(spec.protect());
    assertTrue(spec.connect().isEmpty());
    // only what the manifest sets is held; defaults are not written in
    assertEquals(Set.of(Field.VIRT_TYPE), spec.values().keySet());
    assertEquals(true, spec.managed().get(Field.AUTOBOOT), "autoboot follows ensure running");
  }

  static Stream<Arguments> autobootFollowsEnsure() {
    return Stream.of(
        Arguments.of("running", true),
        Arguments.of("stopped", false),
        Arguments.of("installed", null), // not managed
        Arguments.of("absent", null));
  }

  @ParameterizedTest(name = "ensure {0} -> autoboot {1}")
  @MethodSource
  void autobootFollowsEnsure(String ensure, Boolean autoboot, @TempDir Path dir) throws Exception {
    DesiredState s = load(dir, "virt: web01\nvirt_type: kvm\nensure: " + ensure + "\n");
    VmSpec spec = s.get("web01").orElseThrow();
    Map<Field, Object> managed = spec.managed();
    assertEquals(autoboot != null, managed.containsKey(Field.AUTOBOOT), managed::toString);
    assertEquals(autoboot, managed.get(Field.AUTOBOOT));
  }

  @Test
  void explicitAutobootWinsOverEnsure(@TempDir Path dir) throws Exception {
    VmSpec spec =
        load(dir, "virt: web01\nvirt_type: kvm\nensure: stopped\nautoboot: true\n")
            .get("web01")
            .orElseThrow();
    assertEquals(true, spec.managed().get(Field.AUTOBOOT));
  }

  @Test
  void changedSettingsOfTheDefaultsAreRead(@TempDir Path dir) throws Exception {
    VmSpec spec =
        load(
                dir,
                "virt: web01\nvirt_type: kvm\nmemory: 2g\ncpus: 4\nshutdown_timeout: 5m\nrestart: on_change\nprotect: true\nconnect: test:///default\n")
            .get("web01")
            .orElseThrow();
    assertEquals(2L * 1024 * 1024, spec.memoryKiB());
    assertEquals(4, spec.cpus());
    assertEquals(Duration.ofMinutes(5), spec.shutdownTimeout());
    assertTrue(spec.restartOnChange());
    assertTrue(spec.protect());
    assertEquals("test:///default", spec.connect().orElseThrow());
  }

  // ---- driver support ----

  /**
   * Every key one driver lacks, on a resource of that driver, with a valid value from the table.
   */
  static Stream<Arguments> unsupportedKeys() {
    Map<Field, Valid> first =
        valid().collect(Collectors.toMap(Valid::field, Function.identity(), (a, b) -> a));
    return Stream.of(Field.values())
        .flatMap(
            f ->
                Stream.of(DriverKind.values())
                    .filter(d -> !f.supportedBy(d))
                    .map(d -> Arguments.of(f, d, first.get(f))));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("unsupportedKeys")
  void keyTheDriverLacksIsAnErrorNamingKeyAndDriver(
      Field f, DriverKind driver, Valid row, @TempDir Path dir) throws Exception {
    assertNotNull(row);
    String type = driver == DriverKind.LIBVIRT ? "kvm" : "openvz";
    String doc =
        "virt: web01\nvirt_type: "
            + type
            + "\n"
            + f.key()
            + ": "
            + row.value()
            + "\n"
            + row.extra();
    DesiredState s = load(dir, doc);
    assertTrue(
        hasError(
            s.problems(),
            3,
            1,
            "`" + f.key() + "` is not supported by the " + driver.key() + " driver"),
        () -> "no driver error for " + f + " on " + driver + ": " + s.problems());
    assertTrue(s.resources().isEmpty());
  }

  /** The spec's libvirt and openvz columns, copied by hand: "—" means the driver lacks the key. */
  @Test
  void driverColumnsMatchTheSpec() {
    Set<String> openvzOnly =
        Set.of(
            "hostname",
            "id",
            "user",
            "ipaddr",
            "nameserver",
            "searchdomain",
            "cpuunits",
            "cpulimit",
            "ioprio",
            "diskspace",
            "diskinodes",
            "quotatime",
            "quotaugidlimit",
            "noatime",
            "features",
            "capability",
            "devices",
            "iptables",
            "resources_parameters",
            "disabled",
            "ostemplate");
    Set<String> both =
        Set.of(
            "virt_type",
            "ensure",
            "desc",
            "memory",
            "cpus",
            "autoboot",
            "interfaces",
            "shutdown_timeout",
            "restart",
            "protect");
    for (Field f : Field.values()) {
      boolean libvirt = !openvzOnly.contains(f.key());
      boolean openvz = openvzOnly.contains(f.key()) || both.contains(f.key());
      assertEquals(libvirt, f.supportedBy(DriverKind.LIBVIRT), () -> f + " on libvirt");
      assertEquals(openvz, f.supportedBy(DriverKind.OPENVZ), () -> f + " on openvz");
    }
  }
}
