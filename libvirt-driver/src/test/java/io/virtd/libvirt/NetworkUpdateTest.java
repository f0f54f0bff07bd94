package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.Network;

/**
 * {@link NetworkUpdate} on libvirt's test driver: a DHCP host is added to, changed in and deleted
 * from a running network, an inactive network gets it in its definition, and a host libvirt refuses
 * is libvirt's own error. The test driver cannot show a network's saved definition apart from the
 * running one; {@code NetworkUpdateIT} checks both halves on a real libvirtd.
 */
class NetworkUpdateTest {
  private static final String HOST =
      "<host mac='52:54:00:00:00:10' ip='192.168.150.10' name='db01'/>";

  private Connect conn;
  private Network net;

  @BeforeEach
  void define() throws LibvirtException {
    conn = new Connect("test:///default");
    String name = "dhcp-" + UUID.randomUUID().toString().substring(0, 8);
    net =
        conn.networkDefineXML(
            "<network><name>"
                + name
                + "</name><bridge name='virbr150'/>"
                + "<ip address='192.168.150.1' prefix='24'><dhcp>"
                + "<range start='192.168.150.100' end='192.168.150.200'/>"
                + "</dhcp></ip></network>");
    net.create();
  }

  @AfterEach
  void close() throws LibvirtException {
    net.destroy();
    net.undefine();
    net.free();
    conn.close();
  }

  @Test
  void aHostIsAddedChangedAndDeletedInTheRunningNetworkAndItsDefinition() throws LibvirtException {
    NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.ADD_LAST, HOST, true);
    assertTrue(live().contains("ip='192.168.150.10'"), live());

    NetworkUpdate.dhcpHost(
        net,
        NetworkUpdate.Command.MODIFY,
        "<host mac='52:54:00:00:00:10' ip='192.168.150.11' name='db01'/>",
        true);
    assertTrue(live().contains("ip='192.168.150.11'"), live());
    assertFalse(live().contains("ip='192.168.150.10'"), live());

    NetworkUpdate.dhcpHost(
        net,
        NetworkUpdate.Command.DELETE,
        "<host mac='52:54:00:00:00:10' ip='192.168.150.11' name='db01'/>",
        true);
    assertFalse(live().contains("52:54:00:00:00:10"), live());
  }

  @Test
  void anInactiveNetworkHasOnlyItsDefinitionChanged() throws LibvirtException {
    net.destroy();
    NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.ADD_LAST, HOST, false);
    net.create();
    assertTrue(live().contains("ip='192.168.150.10'"), live());
  }

  @Test
  void aHostLibvirtRefusesIsLibvirtsOwnError() throws LibvirtException {
    NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.ADD_LAST, HOST, true);
    LibvirtException e =
        assertThrows(
            LibvirtException.class,
            () -> NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.ADD_LAST, HOST, true));
    assertNotNull(e.getError());
    assertNotNull(e.getError().getCode());
    assertEquals(1, count(live(), "52:54:00:00:00:10"), live());
  }

  private String live() throws LibvirtException {
    return net.getXMLDesc(0);
  }

  private static int count(String text, String part) {
    return text.split(part, -1).length - 1;
  }
}
