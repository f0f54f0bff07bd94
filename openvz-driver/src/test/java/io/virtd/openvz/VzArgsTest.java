package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.Mutability;
import io.virtd.core.testing.Specs;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every argument vector the driver builds, as exact lists (as Puppet's provider specs assert them).
 */
class VzArgsTest {
  private static final VzArgs ARGS = new VzArgs("/usr/sbin/vzctl", "/usr/sbin/vzlist");

  @Test
  void createTakesTemplateHostnameAddressesNameDescriptionAndDiskLimits() {
    VmSpec spec =
        Specs.parse(
            """
            virt: web01
            virt_type: openvz
            ostemplate: debian-12-x86_64
            hostname: web01.example.com
            ipaddr: [10.0.0.1, "2001:db8::1/64"]
            desc: a "web" server
            diskspace: 10485760
            diskinodes: 200000
            memory: 1GiB
            """);
    assertEquals(
        List.of(
            "/usr/sbin/vzctl",
            "create",
            "1234",
            "--ostemplate",
            "debian-12-x86_64",
            "--hostname",
            "web01.example.com",
            "--ipadd",
            "10.0.0.1",
            "--ipadd",
            "2001:db8::1/64",
            "--name",
            "web01",
            "--description",
            "a \"web\" server",
            "--diskspace",
            "10485760",
            "--diskinodes",
            "200000"),
        ARGS.create(1234, spec));
  }

  @Test
  void createWithNothingButTheNameUsesTheHostDefaults() {
    VmSpec spec = Specs.parse("virt: ct\nvirt_type: openvz\n");
    assertEquals(
        List.of("/usr/sbin/vzctl", "create", "101", "--name", "ct"), ARGS.create(101, spec));
  }

  @Test
  void theSetAfterCreateCarriesEveryOtherValueAndTheDefaults() {
    VmSpec minimal = Specs.parse("virt: ct\nvirt_type: openvz\n");
    assertEquals(
        List.of("--ram", "524288K", "--cpus", "1", "--onboot", "yes"),
        VzArgs.afterCreateOptions(minimal));

    VmSpec stopped =
        Specs.parse("virt: ct\nvirt_type: openvz\nensure: stopped\nmemory: 256\ncpus: 2\n");
    assertEquals(
        List.of("--ram", "262144K", "--cpus", "2", "--onboot", "no"),
        VzArgs.afterCreateOptions(stopped));

    VmSpec full =
        Specs.parse(
            """
            virt: ct
            virt_type: openvz
            ensure: installed
            id: 4242
            ostemplate: centos-6-x86
            hostname: h
            ipaddr: [10.0.0.1]
            desc: d
            diskspace: 1000
            diskinodes: 2000
            memory: 1024
            cpus: 2
            user: root:s3cret
            nameserver: [8.8.8.8, 1.1.1.1]
            searchdomain: example.com
            cpuunits: 2000
            cpulimit: 50
            ioprio: 6
            quotatime: 600
            quotaugidlimit: 100
            noatime: true
            features: [nfs:on, sysfs:off]
            capability: [net_admin:on]
            devices: [c:10:200:rw, b:8:0:r]
            iptables: [ipt_REJECT, iptable_filter]
            resources_parameters: [kmemsize=14372700:14790164, numproc=240]
            disabled: false
            interfaces: [br0, br1]
            """);
    assertEquals(
        List.of(
            "--ram",
            "1048576K",
            "--cpus",
            "2",
            "--netif_add",
            "eth0,,,,br0",
            "--netif_add",
            "eth1,,,,br1",
            "--userpasswd",
            "root:s3cret",
            "--nameserver",
            "8.8.8.8",
            "--nameserver",
            "1.1.1.1",
            "--searchdomain",
            "example.com",
            "--cpuunits",
            "2000",
            "--cpulimit",
            "50",
            "--ioprio",
            "6",
            "--quotatime",
            "600",
            "--quotaugidlimit",
            "100",
            "--noatime",
            "yes",
            "--features",
            "nfs:on,sysfs:off",
            "--capability",
            "net_admin:on",
            "--devices",
            "c:10:200:rw",
            "--devices",
            "b:8:0:r",
            "--iptables",
            "ipt_REJECT,iptable_filter",
            "--kmemsize",
            "14372700:14790164",
            "--numproc",
            "240",
            "--disabled",
            "no"),
        VzArgs.afterCreateOptions(full));
  }

  static Stream<Arguments> oneOptionPerField() {
    return Stream.of(
        Arguments.of(
            Field.DESC, null, "a \"quoted\" text", List.of("--description", "a \"quoted\" text")),
        Arguments.of(Field.MEMORY, 524288L, 2097152L, List.of("--ram", "2097152K")),
        Arguments.of(Field.CPUS, 1, 4, List.of("--cpus", "4")),
        Arguments.of(Field.AUTOBOOT, false, true, List.of("--onboot", "yes")),
        Arguments.of(Field.AUTOBOOT, true, false, List.of("--onboot", "no")),
        Arguments.of(Field.HOSTNAME, "a", "b.example.com", List.of("--hostname", "b.example.com")),
        Arguments.of(Field.USER, null, "root:pw", List.of("--userpasswd", "root:pw")),
        Arguments.of(
            Field.NAMESERVER,
            List.of("8.8.8.8"),
            List.of("9.9.9.9", "1.1.1.1"),
            List.of("--nameserver", "9.9.9.9", "--nameserver", "1.1.1.1")),
        Arguments.of(
            Field.SEARCHDOMAIN,
            null,
            "a.example b.example",
            List.of("--searchdomain", "a.example b.example")),
        Arguments.of(Field.CPUUNITS, 1000L, 3000L, List.of("--cpuunits", "3000")),
        Arguments.of(Field.CPULIMIT, 0L, 200L, List.of("--cpulimit", "200")),
        Arguments.of(Field.IOPRIO, 4L, 7L, List.of("--ioprio", "7")),
        Arguments.of(Field.DISKSPACE, 2097152L, 4194304L, List.of("--diskspace", "4194304")),
        Arguments.of(Field.DISKINODES, 131072L, 262144L, List.of("--diskinodes", "262144")),
        Arguments.of(Field.QUOTATIME, null, 600L, List.of("--quotatime", "600")),
        Arguments.of(Field.QUOTAUGIDLIMIT, 0L, 100L, List.of("--quotaugidlimit", "100")),
        Arguments.of(Field.NOATIME, null, true, List.of("--noatime", "yes")),
        Arguments.of(Field.NOATIME, true, false, List.of("--noatime", "no")),
        Arguments.of(
            Field.FEATURES,
            List.of(),
            List.of("nfs:on", "ppp:off"),
            List.of("--features", "nfs:on,ppp:off")),
        Arguments.of(
            Field.CAPABILITY,
            List.of(),
            List.of("net_admin:on", "sys_time:off"),
            List.of("--capability", "net_admin:on,sys_time:off")),
        Arguments.of(
            Field.DEVICES,
            List.of(),
            List.of("c:10:200:rw", "b:8:all:r"),
            List.of("--devices", "c:10:200:rw", "--devices", "b:8:all:r")),
        Arguments.of(
            Field.IPTABLES,
            List.of(),
            List.of("ipt_REJECT", "ipt_state"),
            List.of("--iptables", "ipt_REJECT,ipt_state")),
        Arguments.of(
            Field.RESOURCES_PARAMETERS,
            List.of(),
            List.of("kmemsize=14372700:14790164", "numfile=unlimited"),
            List.of("--kmemsize", "14372700:14790164", "--numfile", "unlimited")),
        Arguments.of(Field.DISABLED, false, true, List.of("--disabled", "yes")),
        // vzctl has no "clear": a dropped entry that is on is switched off by name
        Arguments.of(
            Field.FEATURES, List.of("nfs:on"), List.of(), List.of("--features", "nfs:off")),
        Arguments.of(
            Field.FEATURES,
            List.of("nfs:on", "sit:on"),
            List.of("nfs:on"),
            List.of("--features", "nfs:on,sit:off")),
        Arguments.of(
            Field.CAPABILITY,
            List.of("sys_time:on", "net_admin:on"),
            List.of("net_admin:on"),
            List.of("--capability", "net_admin:on,sys_time:off")),
        // as observed when nothing was written: vzctl's upper case; an off entry needs nothing
        Arguments.of(
            Field.CAPABILITY,
            List.of("NET_ADMIN:on", "SYS_TIME:on", "CHOWN:off"),
            List.of("Net_Admin:on"),
            List.of("--capability", "Net_Admin:on,sys_time:off")),
        Arguments.of(
            Field.FEATURES,
            List.of("nfs:on", "sysfs:off"),
            List.of("nfs:off"),
            List.of("--features", "nfs:off")),
        Arguments.of(Field.FEATURES, List.of("sysfs:off"), List.of(), List.of()),
        Arguments.of(Field.FEATURES, null, List.of(), List.of()));
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @MethodSource("oneOptionPerField")
  void oneOptionPerField(Field f, Object before, Object after, List<String> expected) {
    assertEquals(expected, VzArgs.options(f, before, after, List.of()));
  }

  @Test
  void addressesAreDiffedAsVzctlStoresThem() {
    assertEquals(
        List.of("--ipdel", "10.0.0.1", "--ipadd", "10.0.0.3"),
        VzArgs.options(
            Field.IPADDR,
            List.of("10.0.0.1", "10.0.0.2"),
            List.of("10.0.0.2", "10.0.0.3"),
            List.of()));
    // one address spelled two ways is one address
    assertEquals(
        List.of(),
        VzArgs.options(Field.IPADDR, List.of("2001:db8::1"), List.of("2001:DB8:0::1"), List.of()));
    // a new mask is a new address for vzctl (it replaces the old one)
    assertEquals(
        List.of("--ipdel", "10.0.0.1/24", "--ipadd", "10.0.0.1/16"),
        VzArgs.options(Field.IPADDR, List.of("10.0.0.1/24"), List.of("10.0.0.1/16"), List.of()));
    assertEquals(
        List.of("--ipadd", "10.0.0.9"),
        VzArgs.options(Field.IPADDR, null, List.of("10.0.0.9"), List.of()));
    assertEquals(
        List.of("--ipdel", "10.0.0.1", "--ipdel", "10.0.0.2"),
        VzArgs.options(Field.IPADDR, List.of("10.0.0.1", "10.0.0.2"), List.of(), List.of()));
  }

  @Test
  void interfacesAreAddedChangedAndDeletedByName() {
    assertEquals(
        List.of("--netif_add", "eth0,,,,br0"),
        VzArgs.options(Field.INTERFACES, List.of(), List.of("br0"), List.of()));
    assertEquals(
        List.of("--netif_add", "eth1,,,,br9"),
        VzArgs.options(
            Field.INTERFACES,
            List.of("br0", "br1"),
            List.of("br0", "br9"),
            List.of("eth0", "eth1")));
    assertEquals(
        List.of("--netif_del", "veth-b"),
        VzArgs.options(
            Field.INTERFACES, List.of("br0", "br1"), List.of("br0"), List.of("eth0", "veth-b")));
    // a new one takes the first ethN not in use
    assertEquals(
        List.of("--netif_add", "eth2,,,,br2"),
        VzArgs.options(
            Field.INTERFACES,
            List.of("br0", "br1"),
            List.of("br0", "br1", "br2"),
            List.of("eth0", "eth1")));
    assertEquals(
        List.of("--netif_add", "eth2,,,,br5"),
        VzArgs.options(Field.INTERFACES, List.of("br0"), List.of("br0", "br5"), List.of("eth1")));
    assertEquals(
        List.of("--netif_del", "eth0"),
        VzArgs.options(Field.INTERFACES, List.of("br0"), List.of(), List.of("eth0")));
  }

  @Test
  void updateGroupsAllChangesIntoOneOptionListInFieldOrder() {
    List<FieldChange> changes =
        List.of(
            new FieldChange(
                Field.CAPABILITY, List.of(), List.of("net_admin:on"), Mutability.RESTART),
            new FieldChange(Field.MEMORY, 262144L, 524288L, Mutability.LIVE),
            new FieldChange(Field.HOSTNAME, "a", "b", Mutability.LIVE));
    assertEquals(
        List.of("--ram", "524288K", "--hostname", "b", "--capability", "net_admin:on"),
        VzArgs.updateOptions(changes, List.of()));
    assertEquals(
        List.of(
            "/usr/sbin/vzctl",
            "set",
            "77",
            "--ram",
            "524288K",
            "--hostname",
            "b",
            "--capability",
            "net_admin:on",
            "--save"),
        ARGS.set(77, VzArgs.updateOptions(changes, List.of())));
  }

  @Test
  void memoryMustBeWholePagesAndCreateTimeFieldsAreNotSetOptions() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> VzArgs.options(Field.MEMORY, null, 1026L, List.of()));
    assertEquals(
        "memory must be a whole number of 4 KiB pages for OpenVZ, not 1026 KiB", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> VzArgs.options(Field.NAMESERVER, List.of("8.8.8.8"), List.of(), List.of()));
    assertEquals(List.of(), VzArgs.options(Field.NAMESERVER, null, List.of(), List.of()));
    for (Field f :
        List.of(
            Field.ID,
            Field.OSTEMPLATE,
            Field.VIRT_TYPE,
            Field.ENSURE,
            Field.ARCH,
            Field.ON_CRASH)) {
      assertThrows(
          IllegalArgumentException.class, () -> VzArgs.options(f, null, "x", List.of()), f.key());
    }
  }

  @Test
  void lifecycleAndListCommands() {
    assertEquals(List.of("/usr/sbin/vzctl", "start", "101"), ARGS.start(101));
    assertEquals(List.of("/usr/sbin/vzctl", "stop", "101"), ARGS.stop(101));
    assertEquals(List.of("/usr/sbin/vzctl", "stop", "101", "--fast"), ARGS.kill(101));
    assertEquals(List.of("/usr/sbin/vzctl", "umount", "101"), ARGS.umount(101));
    assertEquals(List.of("/usr/sbin/vzctl", "destroy", "101"), ARGS.destroy(101));
    assertEquals(List.of("/usr/sbin/vzctl", "resume", "101"), ARGS.resume(101));
    String json =
        "ctid,status,ip,cpus,cpuunits,cpulimit,kmemsize,lockedpages,privvmpages,shmpages,numproc,physpages,"
            + "vmguarpages,oomguarpages,numtcpsock,numflock,numpty,numsiginfo,tcpsndbuf,tcprcvbuf,othersockbuf,"
            + "dgramrcvbuf,numothersock,dcachesize,numfile,numiptent,swappages,diskspace,diskinodes,uptime";
    assertEquals(
        List.of("/usr/sbin/vzlist", "-a", "-j", "-o", json), ARGS.listJson(OptionalLong.empty()));
    assertEquals(
        List.of("/usr/sbin/vzlist", "-a", "-j", "-o", json, "101"),
        ARGS.listJson(OptionalLong.of(101)));
    List<String> cols = ARGS.listColumns(OptionalLong.of(7));
    assertEquals(List.of("/usr/sbin/vzlist", "-a", "-H", "-t", "-o"), cols.subList(0, 5));
    assertTrue(
        cols.get(5).startsWith("ctid,status,cpus,cpuunits,cpulimit,uptime,kmemsize.b,kmemsize.l,"),
        cols.get(5));
    assertTrue(
        cols.get(5).endsWith(",swappages.b,swappages.l,diskspace.s,diskinodes.s,ip"), cols.get(5));
    assertEquals("7", cols.get(6));
  }

  @Test
  void aCommandShowsAndScrubsNoPassword() {
    VzCommand cmd =
        VzCommand.of(
            ARGS.set(101, List.of("--cpus", "2", "--userpasswd", "root:hunter2")),
            Duration.ofSeconds(5));
    assertEquals("vzctl set 101 --cpus 2 --userpasswd (sensitive) --save", cmd.display());
    assertEquals("bad (sensitive) and (sensitive)", cmd.scrub("bad root:hunter2 and hunter2"));
    assertFalse(VzCommand.of(ARGS.start(1), Duration.ofSeconds(1)).display().contains("sensitive"));
    assertEquals(
        "vzctl set 1 --description 'two words' --save",
        VzCommand.of(ARGS.set(1, List.of("--description", "two words")), Duration.ofSeconds(1))
            .display());
  }
}
