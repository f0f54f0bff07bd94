package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.testing.DriverContract;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pool and volume XML virtd sends libvirt, asserted element by element. */
class StorageTest {
  @Test
  void overlayVolumeNamesItsBackingImageAndFormat() {
    String xml =
        StorageXml.volumeXml(
            "web01.qcow2",
            "qcow2",
            10 * Storage.GIB,
            Optional.of(new Storage.Backing("/var/lib/virtd/base/deb.raw", "raw")));
    assertEquals(
        "<volume type=\"file\"><name>web01.qcow2</name>"
            + "<capacity unit=\"bytes\">10737418240</capacity>"
            + "<allocation unit=\"bytes\">0</allocation>"
            + "<target><format type=\"qcow2\"/></target>"
            + "<backingStore><path>/var/lib/virtd/base/deb.raw</path><format type=\"raw\"/>"
            + "</backingStore></volume>",
        xml);
  }

  @Test
  void blankVolumeHasNoBackingStore() {
    assertEquals(
        "<volume type=\"file\"><name>db01.qcow2</name>"
            + "<capacity unit=\"bytes\">1073741824</capacity>"
            + "<allocation unit=\"bytes\">0</allocation>"
            + "<target><format type=\"qcow2\"/></target></volume>",
        StorageXml.volumeXml("db01.qcow2", "qcow2", Storage.GIB, Optional.empty()));
  }

  @Test
  void namesAndPathsCannotAddElements() {
    String xml =
        StorageXml.volumeXml(
            "a<b>&c", "raw", 1, Optional.of(new Storage.Backing("/x/</path><y>", "raw")));
    assertTrue(xml.contains("<name>a&lt;b&gt;&amp;c</name>"), xml);
    assertTrue(xml.contains("<path>/x/&lt;/path&gt;&lt;y&gt;</path>"), xml);
  }

  @Test
  void poolXmlIsADirectoryPoolAtTheNormalisedPath() {
    assertEquals(
        "<pool type=\"dir\"><name>virtd-images-x</name>"
            + "<target><path>/var/lib/virtd/images</path></target></pool>",
        StorageXml.poolXml("virtd-images-x", Path.of("/var/lib/virtd/./images/")));
  }

  @Test
  void poolNamesDifferForDirectoriesWithTheSameLastElement() {
    String a = StorageXml.poolName(Path.of("/var/lib/virtd/images"));
    String b = StorageXml.poolName(Path.of("/srv/test/images"));
    assertTrue(a.matches("virtd-images-[0-9a-f]{10}"), a);
    assertNotEquals(a, b);
    assertEquals(a, StorageXml.poolName(Path.of("/var/lib/virtd/images/")));
    assertTrue(StorageXml.poolName(Path.of("/srv/a b")).matches("virtd-a_b-[0-9a-f]{10}"));
  }

  @Test
  void formatAndTargetAreReadBack() {
    assertEquals(
        "qcow2",
        StorageXml.formatOf(
            "<volume><name>x</name><target><path>/p</path><format type='qcow2'/></target></volume>"));
    assertEquals("raw", StorageXml.formatOf("<volume><target><path>/p</path></target></volume>"));
    assertEquals(
        "/var/lib/x",
        StorageXml.targetPath(
            "<pool type='dir'><target><path> /var/lib/x </path></target></pool>"));
  }

  @Test
  void theDisksOfADomainAreReadWithAnXmlParserWhateverTheQuotingAndEntities() {
    String xml =
        """
        <domain type='kvm'><name>a</name>
          <metadata><x:disk xmlns:x='urn:x'><source file='/not/a/disk'/></x:disk></metadata>
          <devices>
            <disk type='file' device='disk'>
              <source file='/var/lib/virtd/images/it&apos;s.qcow2' index='2'/>
              <backingStore type='file' index='3'>
                <source file="/var/lib/virtd/base/&quot;b&quot; &amp; &lt;c&gt;.qcow2"/>
                <backingStore type='file'><source file='/base/&#x2F;deep&#39;.raw'/></backingStore>
              </backingStore>
              <mirror type='file'><source file='/var/lib/virtd/images/copy.qcow2'/></mirror>
            </disk>
            <disk type="block" device="disk"><source dev="/dev/vg/web"/></disk>
            <disk type='file' device='cdrom'><source file='/iso/seed.iso'/></disk>
            <disk type='volume' device='disk'><source pool='images' volume='db&apos;01.qcow2'/></disk>
            <disk type='network' device='disk'><source protocol='nbd' name='x'/></disk>
            <interface type='bridge'><source bridge='/not/a/disk/either'/></interface>
            <filesystem type='mount'><source dir='/srv/share'/></filesystem>
          </devices>
        </domain>
        """;
    DiskRefs refs = DiskRefs.of(xml);
    assertEquals(
        java.util.Set.of(
            "/var/lib/virtd/images/it's.qcow2",
            "/var/lib/virtd/base/\"b\" & <c>.qcow2",
            "/base//deep'.raw",
            "/var/lib/virtd/images/copy.qcow2",
            "/dev/vg/web",
            "/iso/seed.iso"),
        refs.paths());
    assertEquals(java.util.Set.of(new Marks.Volume("images", "db'01.qcow2", "")), refs.volumes());
  }

  @Test
  void aVolumesBackingFileIsReadWithAnXmlParser() {
    assertEquals(
        Optional.of("/var/lib/virtd/base/it's \"b\".qcow2"),
        StorageXml.backingPath(
            "<volume type=\"file\"><name>x</name><backingStore>\n  <path>"
                + "/var/lib/virtd/base/it&apos;s &quot;b&quot;.qcow2</path>\n"
                + "<format type='qcow2'/></backingStore></volume>"));
    assertEquals(
        Optional.empty(),
        StorageXml.backingPath("<volume><name>x</name><target><path>/p</path></target></volume>"));
    assertEquals(
        Optional.empty(), StorageXml.backingPath("<volume><name>x</name><backingStore/></volume>"));
  }

  @Test
  void diskSizeIsCountedInWholeGiB() {
    assertEquals(0, Storage.wholeGiB(64L << 20));
    assertEquals(1, Storage.wholeGiB(Storage.GIB));
    assertEquals(1, Storage.wholeGiB(2 * Storage.GIB - 1));
  }

  private static final Host HOST = new Host("x86_64", n -> false, "UTC");

  /** The storage GuestStorage gives an {@code image} overlay on a guest of type {@code vt}. */
  private static DomainWriter.Provisioned overlay(VirtType vt) {
    return new DomainWriter.Provisioned(
        Map.of(
            Marks.IMAGE,
            "/base/deb.raw",
            Marks.IMAGE_MODE,
            "cow",
            Marks.DISK,
            "/var/lib/virtd/images/web01.qcow2"),
        List.of(
            new Marks.Volume(
                "virtd-images-0123456789", "web01.qcow2", "/var/lib/virtd/images/web01.qcow2")),
        List.of(new DomainWriter.Disk("/var/lib/virtd/images/web01.qcow2", "qcow2").item(vt)));
  }

  @Test
  void theDiskAndTheVolumesVirtdMadeAreWrittenAndReadBack() {
    VmSpec spec =
        DriverContract.spec(
            "web01", VirtType.KVM, Field.IMAGE, "/base/deb.raw", Field.IMAGE_MODE, "cow");
    String xml =
        DomainWriter.create(
            spec,
            DriverContract.mark(spec, OwnershipMark.Origin.CREATED),
            HOST,
            overlay(VirtType.KVM));
    assertTrue(
        xml.contains(
            "<disk device=\"disk\" type=\"file\"><driver name=\"qemu\" type=\"qcow2\"/>"
                + "<source file=\"/var/lib/virtd/images/web01.qcow2\"/>"
                + "<target bus=\"virtio\" dev=\"vda\"/></disk>"),
        xml);
    assertTrue(
        xml.contains(
            "<virtd:volume name=\"web01.qcow2\" path=\"/var/lib/virtd/images/web01.qcow2\""
                + " pool=\"virtd-images-0123456789\"/>"),
        xml);
    DomainReader.Facts f = DomainReader.read(xml);
    assertEquals("/base/deb.raw", f.fields().get(Field.IMAGE));
    assertEquals("cow", f.fields().get(Field.IMAGE_MODE));
    assertEquals(Optional.of("/var/lib/virtd/images/web01.qcow2"), f.disk());
    assertEquals(overlay(VirtType.KVM).volumes(), f.volumes());

    // an update rewrites the mark and keeps what creation recorded
    String edited =
        DomainWriter.edit(
            xml, spec, List.of(), DriverContract.mark(spec, OwnershipMark.Origin.CREATED), HOST);
    DomainReader.Facts g = DomainReader.read(edited);
    assertEquals(f.volumes(), g.volumes());
    assertEquals(f.disk(), g.disk());
    assertEquals("/base/deb.raw", g.fields().get(Field.IMAGE));
  }

  @Test
  void xenGuestsGetXvdaWithoutAQemuDriver() {
    VmSpec spec = DriverContract.spec("x1", VirtType.XEN_FULLYVIRT, Field.DISK_SIZE, 1L);
    String xml =
        DomainWriter.create(
            spec,
            DriverContract.mark(spec, OwnershipMark.Origin.CREATED),
            HOST,
            overlay(VirtType.XEN_FULLYVIRT));
    assertTrue(
        xml.contains(
            "<disk device=\"disk\" type=\"file\">"
                + "<source file=\"/var/lib/virtd/images/web01.qcow2\"/>"
                + "<target bus=\"xen\" dev=\"xvda\"/></disk>"),
        xml);
  }
}
