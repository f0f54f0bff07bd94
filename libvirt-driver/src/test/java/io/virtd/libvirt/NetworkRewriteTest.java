package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network's saved definition changed in place: what a manifest declares is written, and what it
 * does not (the UUID, the MAC, IPv6, DNS, other tools' metadata) is kept.
 */
class NetworkRewriteTest {
  @TempDir Path dir;

  private static final String ADOPTED =
      """
      <network>
        <name>default</name>
        <uuid>8f5e0c3a-2c1e-4f4e-9d55-0c4f3b1a2b3c</uuid>
        <forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>
        <bridge name='virbr0' stp='on' delay='0'/>
        <mac address='52:54:00:12:34:56'/>
        <dns><host ip='192.168.122.2'><hostname>gw</hostname></host></dns>
        <ip address='192.168.122.1' netmask='255.255.255.0'>
          <dhcp>
            <range start='192.168.122.2' end='192.168.122.254'/>
            <host mac='52:54:00:00:00:01' ip='192.168.122.11'/>
          </dhcp>
        </ip>
        <ip family='ipv6' address='fd00::1' prefix='64'/>
      </network>
      """;

  @Test
  void declaredKeysAreWrittenAndEverythingElseIsKept() throws Exception {
    NetworkXml.Definition want =
        new NetworkXml.Definition(
            "default",
            NetworkXml.Forward.ROUTE,
            Optional.of("virbr0"),
            Optional.of(new NetworkXml.Address("192.168.122.1", 24)),
            Optional.of(new NetworkXml.Range("192.168.122.100", "192.168.122.200")),
            List.of(new NetworkXml.Host("52:54:00:00:00:02", "192.168.122.12", Optional.of("db"))));
    String xml = NetworkXml.rewrite(ADOPTED, want);
    DomainXmlSchemaTest.validate(dir, xml, "network");
    assertEquals(want, NetworkXml.read(xml));
    assertTrue(xml.contains("8f5e0c3a-2c1e-4f4e-9d55-0c4f3b1a2b3c"), xml);
    assertTrue(xml.contains("<mac address=\"52:54:00:12:34:56\"/>"), xml);
    assertTrue(xml.contains("<hostname>gw</hostname>"), xml);
    assertTrue(xml.contains("fd00::1"), xml);
    assertTrue(xml.contains("stp=\"on\""), xml);
    assertFalse(xml.contains("<nat>"), "nat's own settings go with the mode: " + xml);
    assertFalse(xml.contains("52:54:00:00:00:01"), xml);
  }

  @Test
  void anUnchangedDefinitionKeepsItsModeSettings() {
    String xml = NetworkXml.rewrite(ADOPTED, NetworkXml.read(ADOPTED));
    assertEquals(NetworkXml.read(ADOPTED), NetworkXml.read(xml));
    assertTrue(xml.contains("<nat>"), "the same mode keeps its settings: " + xml);
  }
}
