package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.XmlFile;
import io.virtd.core.spi.DocumentDigest;
import io.virtd.core.spi.OwnershipMark;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How libvirt's own spellings become the manifest model's values. */
class DomainReaderTest {
  static final String RUNNING_QEMU =
"""
<domain type='kvm' id='7'>
  <name>web01</name>
  <uuid>1f444a52-9e48-4f32-8c88-9e495ca681be</uuid>
  <metadata>
    <other:x xmlns:other="http://example.org/other" owner="not-us"/>
    <virtd:mark xmlns:virtd="https://virtd.io/xmlns/mark/1" owner="host1" origin="adopted" manifest="/m/web.yaml" hash="sha256:ab" os_variant="debian12"/>
  </metadata>
  <memory unit='GiB'>2</memory>
  <currentMemory unit='MiB'>1024</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <cpu mode='custom' match='exact' check='full'><model fallback='forbid'>Haswell</model></cpu>
  <clock offset='localtime'><timer name='rtc' tickpolicy='catchup'/></clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>coredump-destroy</on_crash>
  <devices>
    <interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><model type='virtio'/></interface>
    <interface type='network'><source network='default' portid='x'/><model type='virtio'/></interface>
    <interface type='user'><model type='virtio'/></interface>
    <graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
    <video><model type='vga' vram='16384' heads='1' primary='yes'/></video>
  </devices>
</domain>
""";

  @Test
  void onlyTheGuestsOwnSeedImageCountsAsItsSeed() {
    String cdrom = "<disk type='file' device='cdrom'><source file='/srv/%s-cidata.iso'/></disk>";
    assertTrue(
        DomainReader.read(RUNNING_QEMU.replace("<devices>", "<devices>" + cdrom.formatted("web01")))
            .seedAttached());
    assertFalse(
        DomainReader.read(
                RUNNING_QEMU.replace("<devices>", "<devices>" + cdrom.formatted("web010")))
            .seedAttached(),
        "another guest's seed");
    assertFalse(DomainReader.read(RUNNING_QEMU).seedAttached());
  }

  @Test
  void theMachineTypeIsLibvirtsExpansionWhichTheManifestsAliasMatches() {
    var spec =
        io.virtd.core.testing.DriverContract.spec("m1", VirtType.KVM, Field.MACHINE_TYPE, "q35");
    String written =
        DomainWriter.create(
            spec,
            io.virtd.core.testing.DriverContract.mark(spec, OwnershipMark.Origin.CREATED),
            new Host("x86_64", n -> false, "UTC"));
    String asLibvirtKeepsIt = written.replace("machine=\"q35\"", "machine=\"pc-q35-7.2\"");
    org.junit.jupiter.api.Assertions.assertNotEquals(written, asLibvirtKeepsIt, written);
    var observed =
        (io.virtd.core.spi.ObservedValue)
            DomainReader.read(asLibvirtKeepsIt).fields().get(Field.MACHINE_TYPE);
    assertEquals("pc-q35-7.2", observed.toString());
    org.junit.jupiter.api.Assertions.assertTrue(observed.matches("q35"));
    org.junit.jupiter.api.Assertions.assertTrue(observed.matches("pc-q35-7.2"));
    assertFalse(observed.matches("pc"));
    assertFalse(observed.matches("pc-q35-6.2"));
    assertTrue(new MachineType("pc-i440fx-7.2").matches("pc"));
    assertFalse(new MachineType("pc-q35-7.2").matches("pc"));
  }

  static final String BARE =
"""
<domain type='kvm'>
  <name>bare</name>
  <metadata>MARK</metadata>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type><boot dev='hd'/></os>
  <devices/>
</domain>
""";

  static String withMark(String origin, String attrs) {
    return BARE.replace(
        "MARK",
        "<virtd:mark xmlns:virtd='https://virtd.io/xmlns/mark/1' owner='h' origin='"
            + origin
            + "' "
            + attrs
            + "/>");
  }

  @Test
  void whatTheXmlShowsMissingIsReportedAsUnsetWhateverTheOrigin() {
    for (String xml :
        List.of(BARE.replace("MARK", ""), withMark("adopted", ""), withMark("created", ""))) {
      Map<Field, Object> f = DomainReader.read(xml).fields();
      assertEquals(io.virtd.core.spi.Unset.VALUE, f.get(Field.VIDEO_MODEL));
      assertEquals(io.virtd.core.spi.Unset.VALUE, f.get(Field.VIRT_PATH), "no disk");
      assertEquals(io.virtd.core.spi.Unset.VALUE, f.get(Field.BOOT_LOCATION), "no <kernel>");
      assertEquals(io.virtd.core.spi.Unset.VALUE, f.get(Field.KICKSTART));
      assertEquals(false, f.get(Field.PXE));
      assertEquals("pc-i440fx-7.2", f.get(Field.MACHINE_TYPE).toString());
    }
  }

  @Test
  void pxeIsNetworkFirstInTheBootOrder() {
    assertEquals(
        true,
        DomainReader.read(BARE.replace("<boot dev='hd'/>", "<boot dev='network'/><boot dev='hd'/>"))
            .fields()
            .get(Field.PXE));
    assertEquals(
        true,
        DomainReader.read(
                BARE.replace("<boot dev='hd'/>", "")
                    .replace(
                        "<devices/>",
                        "<devices><interface type='network'><source network='default'/>"
                            + "<boot order='1'/></interface></devices>"))
            .fields()
            .get(Field.PXE));
  }

  @Test
  void creationInputsComeFromTheMarkAndAreLeftOutWhenItRecordsNone() {
    String kernelBoot =
        withMark("created", "boot_location='/srv/boot' os_variant='debian12' xml_file='/t.xml'")
            .replace("<boot dev='hd'/>", "<kernel>/srv/boot/vmlinuz</kernel>");
    Map<Field, Object> f = DomainReader.read(kernelBoot).fields();
    assertEquals("/srv/boot", f.get(Field.BOOT_LOCATION));
    assertEquals("debian12", f.get(Field.OS_VARIANT));
    assertEquals(new XmlFileMark("/t.xml", Optional.empty()), f.get(Field.XML_FILE));
    assertFalse(f.containsKey(Field.BOOT_OPTIONS), "the planner reads it as created without");
    assertFalse(f.containsKey(Field.IMAGE));
  }

  @Test
  void anAdoptedGuestsDiskIsComparedWithItsSource() {
    String xml =
        withMark("adopted", "")
            .replace(
                "<devices/>",
                "<devices><disk type='file' device='disk'><source file='/srv/d/a.qcow2'/>"
                    + "<target dev='vda'/></disk></devices>");
    var src =
        (io.virtd.core.spi.ObservedValue) DomainReader.read(xml).fields().get(Field.VIRT_PATH);
    assertTrue(src.matches("/srv/d/a.qcow2"));
    assertTrue(src.matches("/srv/d"));
    assertFalse(src.matches("/srv/d/b.qcow2"));
    assertFalse(
        DomainReader.read(xml.replace("origin='adopted'", "origin='created'"))
            .fields()
            .containsKey(Field.VIRT_PATH),
        "a created guest's virt_path is what its mark recorded");
  }

  @Test
  void normalisesWhatLibvirtWrites() {
    DomainReader.Facts f = DomainReader.read(RUNNING_QEMU);
    Map<Field, Object> v = f.fields();
    assertEquals("web01", f.name());
    assertEquals(VirtType.KVM, v.get(Field.VIRT_TYPE));
    assertEquals(1024L * 1024, v.get(Field.MEMORY), "currentMemory, in KiB");
    assertEquals(2L * 1024 * 1024, f.maxMemoryKiB());
    assertEquals(2, v.get(Field.CPUS), "vcpu current");
    assertEquals(4, f.maxVcpus());
    assertEquals("x86_64", v.get(Field.ARCH));
    assertFalse(v.containsKey(Field.OS_TYPE), "hvm says nothing of the OS family");
    assertEquals(new MachineType("pc-q35-7.2"), v.get(Field.MACHINE_TYPE), "q35 matches it");
    assertEquals("Haswell", v.get(Field.CPU_MODEL));
    assertEquals("localtime", v.get(Field.CLOCKSYNC));
    assertEquals(LifecycleAction.DESTROY, v.get(Field.ON_POWEROFF));
    assertEquals(LifecycleAction.RESTART, v.get(Field.ON_REBOOT));
    assertFalse(v.containsKey(Field.ON_CRASH), "coredump-destroy is no manifest value");
    assertEquals(List.of("br0", "default", "(user)"), v.get(Field.INTERFACES));
    assertEquals("virtio", v.get(Field.NETWORK_MODEL));
    assertEquals("enable", v.get(Field.GRAPHICS), "autoport, even with the port it was given");
    assertEquals("vga", v.get(Field.VIDEO_MODEL));
    assertFalse(v.containsKey(Field.DESC));
    assertFalse(v.containsKey(Field.VNC_PASSWORD));
    assertEquals("debian12", v.get(Field.OS_VARIANT));
    assertEquals(
        new OwnershipMark("host1", OwnershipMark.Origin.ADOPTED, "/m/web.yaml", "sha256:ab"),
        f.mark().orElseThrow());
  }

  @Test
  void graphicsAndClockSpellings() {
    assertEquals(
        "vnc:5901",
        read("<devices><graphics type='vnc' port='5901' autoport='no' passwd='pw'/></devices>")
            .get(Field.GRAPHICS));
    assertEquals(
        "pw",
        read("<devices><graphics type='vnc' port='5901' autoport='no' passwd='pw'/></devices>")
            .get(Field.VNC_PASSWORD));
    assertEquals(
        "enable", read("<devices><graphics type='vnc' port='-1'/></devices>").get(Field.GRAPHICS));
    assertEquals(
        "spice",
        read("<devices><graphics type='spice' autoport='yes'/></devices>").get(Field.GRAPHICS));
    assertEquals("disable", read("<devices/>").get(Field.GRAPHICS));
    assertEquals("UTC", read("<clock offset='utc'/>").get(Field.CLOCKSYNC));
    assertEquals(
        "timezone",
        read("<clock offset='timezone' timezone='Europe/Paris'/>").get(Field.CLOCKSYNC));
    assertEquals(
        "variable",
        read("<clock offset='variable' adjustment='0' basis='utc'/>").get(Field.CLOCKSYNC));
    assertEquals(
        "e1000,virtio",
        read("<devices><interface type='network'><source network='a'/><model"
                + " type='e1000'/></interface><interface type='network'><source"
                + " network='b'/><model type='virtio'/></interface></devices>")
            .get(Field.NETWORK_MODEL));
  }

  @Test
  void xenTypesFollowTheOsType() {
    assertEquals(VirtType.XEN_PARAVIRT, DomainReader.virtType("xen", "linux"));
    assertEquals(VirtType.XEN_PARAVIRT, DomainReader.virtType("xen", "xen"));
    assertEquals(VirtType.XEN_FULLYVIRT, DomainReader.virtType("xen", "hvm"));
    assertEquals(VirtType.QEMU, DomainReader.virtType("qemu", "hvm"));
    assertEquals(null, DomainReader.virtType("lxc", "exe"));
    Map<Field, Object> pv =
        DomainReader.read(
                "<domain type='xen'><name>pv</name><memory>1024</memory><vcpu>1</vcpu>"
                    + "<os><type arch='x86_64'>linux</type></os></domain>")
            .fields();
    assertEquals(VirtType.XEN_PARAVIRT, pv.get(Field.VIRT_TYPE));
    assertEquals("linux", pv.get(Field.OS_TYPE));
  }

  @Test
  void descriptionsKeepEveryCharacter() {
    String xml =
        "<domain type='kvm'><name>d</name><description>a &lt;b&gt; &amp; \"c\" 'd'\n"
            + "line two</description></domain>";
    assertEquals("a <b> & \"c\" 'd'\nline two", DomainReader.read(xml).fields().get(Field.DESC));
  }

  @Test
  void unreadableXmlIsAnError() {
    assertThrows(
        IllegalArgumentException.class, () -> DomainReader.read("<domain><name>x</domain>"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            DomainReader.read(
                "<!DOCTYPE d [<!ENTITY e SYSTEM"
                    + " 'file:///etc/passwd'>]><domain><name>&e;</name></domain>"));
  }

  @Test
  void memoryUnits() {
    assertEquals(1024, DomainReader.kib("MiB", "1"));
    assertEquals(1, DomainReader.kib("bytes", "1024"));
    assertEquals(976, DomainReader.kib("MB", "1"));
    assertEquals(65536, DomainReader.kib(null, "65536"));
  }

  private static Map<Field, Object> read(String body) {
    return DomainReader.read(
            "<domain type='kvm'><name>x</name><memory>1024</memory><vcpu>1</vcpu>"
                + body
                + "</domain>")
        .fields();
  }

  @Test
  void anXmlFileMatchesByPathAndByTheDigestOfItsText() {
    XmlFile now = new XmlFile("/t.xml", Optional.of("<domain/>"));
    XmlFileMark made = new XmlFileMark("/t.xml", Optional.of(DocumentDigest.of("<domain/>")));
    assertTrue(made.matches(now));
    assertFalse(made.matches(new XmlFile("/t.xml", Optional.of("<domain />"))), "edited");
    assertFalse(made.matches(new XmlFile("/u.xml", Optional.of("<domain/>"))), "another file");
    assertTrue(
        made.matches(new XmlFile("/t.xml", Optional.empty())), "a file gone cannot be compared");
    assertTrue(
        new XmlFileMark("/t.xml", Optional.empty())
            .matches(new XmlFile("/t.xml", Optional.of("x"))),
        "a guest made before the digest was recorded: by path");
  }
}
