package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.Network;

/**
 * {@link NetworkUpdate} on a real libvirtd: a DHCP host added to and removed from a running NAT
 * network reaches both its live state and its saved definition while its dnsmasq keeps running
 * (same PID), and an inactive network has only its definition changed. Needs {@code dnsmasq-base}
 * and {@code iptables} installed before libvirtd started (the install step does both).
 */
class NetworkUpdateIT {
  private static final int INACTIVE = 1; // VIR_NETWORK_XML_INACTIVE
  private static final String HOST = "<host mac='52:54:00:00:00:10' ip='10.213.7.10' name='db01'/>";

  private final String name = "virtd-it-net-" + UUID.randomUUID().toString().substring(0, 8);
  private Connect conn;
  private Network net;

  @BeforeEach
  void define() throws LibvirtException {
    conn = new Connect("qemu:///system");
    net =
        conn.networkDefineXML(
            "<network><name>"
                + name
                + "</name><forward mode='nat'/>"
                + "<ip address='10.213.7.1' prefix='24'><dhcp>"
                + "<range start='10.213.7.100' end='10.213.7.200'/>"
                + "</dhcp></ip></network>");
  }

  @AfterEach
  void remove() throws LibvirtException {
    try {
      if (net.isActive() == 1) {
        net.destroy();
      }
      net.undefine();
      net.free();
    } finally {
      conn.close();
    }
  }

  @Test
  void anInactiveNetworkHasOnlyItsDefinitionChanged() throws LibvirtException {
    NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.ADD_LAST, HOST, false);
    assertTrue(net.getXMLDesc(INACTIVE).contains("ip='10.213.7.10'"), net.getXMLDesc(INACTIVE));
    assertEquals(0, net.isActive());
  }

  @Test
  void aHostIsAddedAndRemovedWithoutRestartingTheNetwork() throws Exception {
    net.create();
    String pid = dnsmasqPid();

    NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.ADD_LAST, HOST, true);
    assertTrue(net.getXMLDesc(0).contains("ip='10.213.7.10'"), net.getXMLDesc(0));
    assertTrue(net.getXMLDesc(INACTIVE).contains("ip='10.213.7.10'"), net.getXMLDesc(INACTIVE));
    assertTrue(
        Files.readString(Path.of("/var/lib/libvirt/dnsmasq", name + ".hostsfile"))
            .contains("52:54:00:00:00:10,10.213.7.10,db01"),
        "dnsmasq's hosts file has the host");
    assertEquals(pid, dnsmasqPid(), "dnsmasq kept running");

    NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.DELETE, HOST, true);
    assertFalse(net.getXMLDesc(0).contains("52:54:00:00:00:10"), net.getXMLDesc(0));
    assertFalse(net.getXMLDesc(INACTIVE).contains("52:54:00:00:00:10"), net.getXMLDesc(INACTIVE));
    assertEquals(pid, dnsmasqPid(), "dnsmasq kept running");
  }

  private String dnsmasqPid() throws IOException {
    String pid = Files.readString(Path.of("/run/libvirt/network", name + ".pid")).strip();
    assertTrue(Files.isDirectory(Path.of("/proc", pid)), "dnsmasq " + pid + " runs");
    return pid;
  }
}
