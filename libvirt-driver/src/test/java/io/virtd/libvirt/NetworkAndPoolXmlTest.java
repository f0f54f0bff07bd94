package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.StoragePool;

/**
 * {@link NetworkXml} and {@link PoolXml}: every forward mode and pool type is valid by libvirt's
 * own schema, is accepted by libvirt's test driver, and reads back from the XML libvirt returns as
 * the definition it was made from; libvirt's own spellings (a netmask, a mode left out) read as a
 * manifest would say them.
 */
class NetworkAndPoolXmlTest {
  @TempDir Path dir;

  private static final NetworkXml.Host DB =
      new NetworkXml.Host("52:54:00:00:00:10", "192.168.50.10", Optional.of("db01"));

  static List<NetworkXml.Definition> networks(String prefix) {
    NetworkXml.Address ip = new NetworkXml.Address("192.168.50.1", 24);
    NetworkXml.Range range = new NetworkXml.Range("192.168.50.100", "192.168.50.200");
    return List.of(
        new NetworkXml.Definition(
            prefix + "nat",
            NetworkXml.Forward.NAT,
            Optional.of("virbr50"),
            Optional.of(ip),
            Optional.of(range),
            List.of(DB)),
        new NetworkXml.Definition(
            prefix + "route",
            NetworkXml.Forward.ROUTE,
            Optional.empty(),
            Optional.of(new NetworkXml.Address("10.9.0.1", 16)),
            Optional.empty(),
            List.of()),
        new NetworkXml.Definition(
            prefix + "isolated",
            NetworkXml.Forward.ISOLATED,
            Optional.of("virbr51"),
            Optional.of(new NetworkXml.Address("192.168.51.1", 24)),
            Optional.of(new NetworkXml.Range("192.168.51.2", "192.168.51.9")),
            List.of()),
        new NetworkXml.Definition(
            prefix + "bridge",
            NetworkXml.Forward.BRIDGE,
            Optional.of("br0"),
            Optional.empty(),
            Optional.empty(),
            List.of()));
  }

  static List<PoolXml.Definition> pools(String prefix) {
    return List.of(
        new PoolXml.Definition(
            prefix + "dir", PoolXml.Type.DIR, Optional.of("/srv/fast"), Optional.empty()),
        new PoolXml.Definition(
            prefix + "fs", PoolXml.Type.FS, Optional.of("/srv/fs"), Optional.of("/dev/sdb1")),
        new PoolXml.Definition(
            prefix + "netfs",
            PoolXml.Type.NETFS,
            Optional.of("/srv/nfs"),
            Optional.of("nas.example:/export/vms")),
        new PoolXml.Definition(
            prefix + "vg",
            PoolXml.Type.LOGICAL,
            Optional.empty(),
            Optional.of("/dev/sdc,/dev/sdd")),
        new PoolXml.Definition(
            prefix + "tank", PoolXml.Type.ZFS, Optional.empty(), Optional.of("tank")));
  }

  @Test
  void everyNetworkIsValidByLibvirtsSchemaAndReadsBackAsWritten() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(DomainXmlSchemaTest.TOOL), "virt-xml-validate");
    for (NetworkXml.Definition d : networks("n-")) {
      String xml = NetworkXml.write(d);
      DomainXmlSchemaTest.validate(dir, xml, "network");
      assertEquals(d, NetworkXml.read(xml), xml);
    }
  }

  @Test
  void everyPoolIsValidByLibvirtsSchemaAndReadsBackAsWritten() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(DomainXmlSchemaTest.TOOL), "virt-xml-validate");
    for (PoolXml.Definition d : pools("p-")) {
      String xml = PoolXml.write(d);
      DomainXmlSchemaTest.validate(dir, xml, "storagepool");
      assertEquals(Optional.of(d), PoolXml.read(xml), xml);
    }
  }

  @Test
  void libvirtsTestDriverTakesEachAndGivesBackTheSameDefinition() throws Exception {
    String prefix = "x" + UUID.randomUUID().toString().substring(0, 6) + "-";
    Connect conn = new Connect("test:///default");
    try {
      for (NetworkXml.Definition d : networks(prefix)) {
        var net = conn.networkDefineXML(NetworkXml.write(d));
        net.create();
        assertEquals(d, NetworkXml.read(net.getXMLDesc(0)));
        net.destroy();
        net.undefine();
      }
      for (PoolXml.Definition d : pools(prefix)) {
        StoragePool pool = conn.storagePoolDefineXML(PoolXml.write(d), 0);
        if (d.buildFlags().isPresent()) {
          pool.build(0); // the test driver takes no flags; the real one checks the devices
        }
        pool.create(0);
        assertEquals(Optional.of(d), PoolXml.read(pool.getXMLDesc(0)));
        pool.destroy();
        pool.undefine();
      }
    } finally {
      conn.close();
    }
  }

  @Test
  void libvirtsOwnSpellingsReadAsAManifestSaysThem() {
    NetworkXml.Definition d =
        NetworkXml.read(
            """
            <network>
              <name>default</name>
              <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
              <forward/>
              <bridge name='virbr0' stp='on' delay='0'/>
              <ip family='ipv6' address='fd00::1' prefix='64'/>
              <ip address='192.168.122.1' netmask='255.255.255.0'>
                <dhcp>
                  <range start='192.168.122.2' end='192.168.122.254'/>
                  <host mac='52:54:00:00:00:10' ip='192.168.122.10'/>
                </dhcp>
              </ip>
            </network>
            """);
    assertEquals(NetworkXml.Forward.NAT, d.forward());
    assertEquals(Optional.of(new NetworkXml.Address("192.168.122.1", 24)), d.ip());
    assertEquals(
        List.of(new NetworkXml.Host("52:54:00:00:00:10", "192.168.122.10", Optional.empty())),
        d.hosts());
    assertEquals(
        Optional.of(new NetworkXml.Address("10.0.0.1", 8)),
        NetworkXml.read("<network><name>a</name><ip address='10.0.0.1'/></network>").ip());
    assertEquals(
        Optional.empty(),
        PoolXml.read("<pool type='iscsi'><name>san</name></pool>"),
        "a pool type virtd does not manage");
  }

  @Test
  void aHostIsTheElementNetworkUpdateTakes() {
    var host = Dom.parse(DB.xml()).getDocumentElement();
    assertEquals("host", host.getTagName());
    assertEquals("52:54:00:00:00:10", host.getAttribute("mac"));
    assertEquals("192.168.50.10", host.getAttribute("ip"));
    assertEquals("db01", host.getAttribute("name"));
    assertEquals(3, host.getAttributes().getLength());
  }

  @Test
  void onlyALogicalPoolWithDevicesIsBuiltWithoutOverwriting() {
    for (PoolXml.Definition d : pools("p-")) {
      switch (d.type()) {
        case DIR, FS, NETFS -> assertEquals(OptionalInt.of(0), d.buildFlags(), d.type().name());
        case LOGICAL ->
            assertEquals(OptionalInt.of(PoolXml.BUILD_NO_OVERWRITE), d.buildFlags(), "logical");
        case ZFS -> assertTrue(d.buildFlags().isEmpty(), "zfs");
      }
    }
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new PoolXml.Definition(
                "n", PoolXml.Type.NETFS, Optional.of("/srv"), Optional.of("/export")));
  }
}
