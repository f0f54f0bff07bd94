package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.Mutability;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** Disks and NICs read from a definition, and written into one in place, item by item. */
class DeviceXmlTest {
  static final String GUEST =
"""
<domain type='kvm'>
  <name>db01</name>
  <metadata>
    <virtd:mark xmlns:virtd="https://virtd.io/xmlns/mark/1" owner="host1" origin="created" manifest="/m/db.yaml" hash="h" disk-vda-image="/srv/base.qcow2" disk-vda-image_mode="cow" disk-vda-size="20" disk-vdb-size="100">
      <virtd:volume pool="virtd-images-1" name="db01-vda.qcow2" path="/var/lib/virtd/images/db01-vda.qcow2"/>
      <virtd:volume pool="fast" name="db01-vdb.raw" path="/srv/fast/db01-vdb.raw"/>
    </virtd:mark>
  </metadata>
  <memory unit='MiB'>512</memory>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/virtd/images/db01-vda.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none' discard='unmap'/>
      <source file='/srv/fast/db01-vdb.raw'/>
      <target dev='vdb' bus='virtio'/>
      <serial>db01-wal</serial>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/sdz'/>
      <target dev='sda' bus='scsi'/>
      <readonly/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/var/lib/virtd/images/db01-cidata.iso'/>
      <target dev='hdc' bus='ide'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='backend'/>
      <model type='virtio'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:AB:CD:EF'/>
      <source dev='eno2' mode='bridge'/>
      <model type='e1000'/>
      <link state='down'/>
    </interface>
    <interface type='user'><model type='virtio'/></interface>
  </devices>
</domain>
""";

  static final DiskSpec VDA =
      new DiskSpec(
          "vda",
          "virtio",
          "/srv/base.qcow2",
          "cow",
          null,
          20L,
          "virtd-images-1",
          "qcow2",
          null,
          null,
          null,
          false,
          false,
          null,
          "/var/lib/virtd/images/db01-vda.qcow2");
  static final DiskSpec VDB =
      new DiskSpec(
          "vdb",
          "virtio",
          null,
          null,
          null,
          100L,
          "fast",
          "raw",
          "none",
          null,
          "unmap",
          false,
          false,
          "db01-wal",
          "/srv/fast/db01-vdb.raw");
  static final DiskSpec SDA =
      new DiskSpec(
          "sda",
          "scsi",
          null,
          null,
          "/dev/sdz",
          null,
          null,
          "raw",
          null,
          null,
          null,
          true,
          false,
          null,
          "/dev/sdz");
  static final NicSpec NET =
      new NicSpec(NicSpec.Type.NETWORK, "backend", "52:54:00:12:34:56", "virtio", null);
  static final NicSpec DIRECT =
      new NicSpec(NicSpec.Type.DIRECT, "eno2", "52:54:00:ab:cd:ef", "e1000", "down");

  @Test
  void disksAreReadWithWhereTheyComeFromCdromsAreNot() {
    assertEquals(List.of(VDA, VDB, SDA), DomainReader.read(GUEST).fields().get(Field.DISKS));
  }

  @Test
  void nicsOfEveryKindAManifestCanDescribeAreRead() {
    assertEquals(List.of(NET, DIRECT), DomainReader.read(GUEST).fields().get(Field.NICS));
  }

  @Test
  void aDiskWrittenAndReadBackIsTheSameDisk() {
    for (DiskSpec d : List.of(VDB, SDA)) {
      Document doc = Dom.parse(GUEST);
      DeviceXml.apply(doc, new FieldChange(Field.DISKS, d, null, Mutability.LIVE));
      String without = Dom.serialize(doc);
      assertEquals(2, ((List<?>) DomainReader.read(without).fields().get(Field.DISKS)).size());
      Document again = Dom.parse(without);
      DeviceXml.apply(again, new FieldChange(Field.DISKS, null, d, Mutability.LIVE));
      assertTrue(
          ((List<?>) DomainReader.read(Dom.serialize(again)).fields().get(Field.DISKS)).contains(d),
          d::toString);
    }
  }

  @Test
  void aChangedDeviceKeepsItsAddressAndPlace() {
    DiskSpec scsi =
        new DiskSpec(
            "vda",
            "scsi",
            "/srv/base.qcow2",
            "cow",
            null,
            20L,
            "virtd-images-1",
            "qcow2",
            "none",
            null,
            null,
            false,
            false,
            null,
            "/var/lib/virtd/images/db01-vda.qcow2");
    Document doc = Dom.parse(GUEST);
    DeviceXml.apply(doc, new FieldChange(Field.DISKS, VDA, scsi, Mutability.RESTART));
    String xml = Dom.serialize(doc);
    assertTrue(xml.contains("slot=\"0x04\""), xml);
    assertEquals(List.of(scsi, VDB, SDA), DomainReader.read(xml).fields().get(Field.DISKS));

    NicSpec up = new NicSpec(NicSpec.Type.DIRECT, "eno2", "52:54:00:ab:cd:ef", "e1000", "up");
    Document nics = Dom.parse(GUEST);
    DeviceXml.apply(nics, new FieldChange(Field.NICS, DIRECT, up, Mutability.LIVE));
    assertEquals(List.of(NET, up), DomainReader.read(Dom.serialize(nics)).fields().get(Field.NICS));
  }

  @Test
  void aGeneratedMacIsUnicastAndLocal() {
    for (int i = 0; i < 50; i++) {
      String mac = DeviceXml.newMac();
      assertTrue(mac.matches("52:54:00(:[0-9a-f]{2}){3}"), mac);
      assertTrue(!NicSpec.multicast(mac));
    }
  }
}
