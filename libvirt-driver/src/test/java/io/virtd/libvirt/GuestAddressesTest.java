package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.spi.GuestAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.DomainInterface;

/**
 * {@link GuestAddresses}: answers of {@code virDomainInterfaceAddresses} as libvirt gives them
 * (recorded from the guest agent's and the lease source's documented shapes), and the test driver's
 * own answer through the real call.
 */
class GuestAddressesTest {
  private static final GuestAddress.Source AGENT = GuestAddress.Source.AGENT;
  private static final GuestAddress.Source LEASE = GuestAddress.Source.LEASE;

  /** What the agent answers for a Linux guest: lo, eth0 with IPv4 and IPv6, eth1 with none. */
  static List<DomainInterface> agentAnswer() throws Exception {
    return List.of(
        nic("lo", "00:00:00:00:00:00", addr("127.0.0.1", 8), addr("::1", 128)),
        nic(
            "eth0",
            "52:54:00:AA:00:01",
            addr("192.168.50.10", 24),
            addr("fe80::5054:ff:feaa:1", 64),
            addr("2001:db8::10", 64)),
        nic("eth1", "52:54:00:aa:00:02"));
  }

  @Test
  void theAgentsAnswerGivesEachNicsAddressesWithoutLoopbackOrLinkLocal() throws Exception {
    assertEquals(
        List.of(
            new GuestAddress("52:54:00:aa:00:01", "192.168.50.10", 24, AGENT),
            new GuestAddress("52:54:00:aa:00:01", "2001:db8::10", 64, AGENT)),
        GuestAddresses.from(agentAnswer(), AGENT));
  }

  @Test
  void aNicKnownToAnEarlierSourceKeepsItsAddressesFromThatSourceOnly() throws Exception {
    Map<String, List<GuestAddress>> byMac = new LinkedHashMap<>();
    GuestAddresses.merge(
        byMac,
        GuestAddresses.from(
            List.of(nic("vnet0", "52:54:00:aa:00:01", addr("192.168.50.10", 24))), LEASE));
    GuestAddresses.merge(
        byMac,
        GuestAddresses.from(
            List.of(
                nic("eth0", "52:54:00:aa:00:01", addr("192.168.50.99", 24)),
                nic("eth1", "52:54:00:aa:00:02", addr("10.0.0.7", 8))),
            AGENT));
    List<GuestAddress> all = new ArrayList<>();
    byMac.values().forEach(all::addAll);
    assertEquals(
        List.of(
            new GuestAddress("52:54:00:aa:00:01", "192.168.50.10", 24, LEASE),
            new GuestAddress("52:54:00:aa:00:02", "10.0.0.7", 8, AGENT)),
        all);
    assertEquals("192.168.50.10/24 (lease)", all.get(0).toString());
  }

  @Test
  void ipv6IsWrittenAsRfc5952Says() throws Exception {
    for (String[] c :
        new String[][] {
          {"2001:db8:0:0:0:0:0:10", "2001:db8::10"},
          {"0:0:0:0:0:0:0:1", "::1"},
          {"fe80:0:0:0:0:0:0:0", "fe80::"},
          {"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},
          {"2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1"},
          {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"},
          {"2001:db8:0:2:3:4:5:6", "2001:db8:0:2:3:4:5:6"}
        }) {
      assertEquals(c[1], GuestAddresses.ipv6(InetAddress.getByName(c[0]).getAddress()), c[0]);
    }
  }

  @Test
  void theTestDriversGuestHasItsLeaseAddress() throws Exception {
    Connect conn = new Connect("test:///default");
    try {
      var domain = conn.domainLookupByName("test");
      assertEquals(
          List.of(new GuestAddress("aa:bb:cc:dd:ee:ff", "192.168.122.3", 24, LEASE)),
          GuestAddresses.read(domain, List.of("aa:bb:cc:dd:ee:ff"), false));
      domain.free();
    } finally {
      conn.close();
    }
  }

  private static DomainInterface nic(
      String name, String mac, DomainInterface.InterfaceAddress... a) {
    DomainInterface nic = new DomainInterface();
    nic.name = name;
    nic.hwAddr = mac;
    nic.addrs = List.of(a);
    return nic;
  }

  private static DomainInterface.InterfaceAddress addr(String ip, int prefix) throws Exception {
    return new DomainInterface.InterfaceAddress(InetAddress.getByName(ip), prefix);
  }
}
