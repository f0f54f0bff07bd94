package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code network:} and {@code pool:} documents: the contract's examples read as written, and each
 * kind of bad input is one error at the line and column where it was written.
 */
class HostResourceDocumentTest {
  private static final Path FILE = Path.of("/etc/virtd/manifests/host.yaml");

  private final List<Problem> problems = new ArrayList<>();

  private HostSpec read(String yaml) {
    YamlReader.Result r = new YamlReader().read(FILE, yaml.getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(), r.problems());
    return HostResourceDocument.interpret(FILE, (YNode.YMap) r.documents().get(0), problems);
  }

  @Test
  void theContractsNetworkReadsAsWritten() {
    NetworkSpec n =
        assertInstanceOf(
            NetworkSpec.class,
            read(
                """
                network: backend
                forward: nat
                bridge: virbr10
                ip: 192.168.50.1/24
                dhcp:
                  range: 192.168.50.100-192.168.50.200
                  hosts:
                    - {mac: "52:54:00:00:00:10", ip: 192.168.50.10, name: db01}
                autostart: true
                ensure: running
                connect: qemu:///system
                """));
    assertEquals(List.of(), problems);
    assertEquals("backend", n.name());
    assertEquals(NetworkSpec.Forward.NAT, n.forward());
    assertEquals(Optional.of("virbr10"), n.bridge());
    assertEquals(Optional.of(new NetworkSpec.Ip("192.168.50.1", 24)), n.ip());
    assertEquals(Optional.of(new NetworkSpec.Range("192.168.50.100", "192.168.50.200")), n.range());
    assertEquals(
        Optional.of(
            List.of(
                new NetworkSpec.DhcpHost(
                    "52:54:00:00:00:10", "192.168.50.10", Optional.of("db01")))),
        n.hosts());
    assertEquals(Optional.of(true), n.autostart());
    assertEquals(HostState.RUNNING, n.ensure());
    assertEquals(Optional.of("qemu:///system"), n.connect());
    assertEquals(false, n.restartOnChange());
    assertEquals(new Pos(4, 1), n.keyPos().get("ip"));
    assertEquals(new Pos(6, 3), n.keyPos().get("dhcp.range"));
  }

  @Test
  void theContractsPoolReadsAsWritten() {
    PoolSpec p =
        assertInstanceOf(
            PoolSpec.class,
            read(
                """
                pool: fast
                type: fs
                path: /srv/fast/
                source: /dev/sdb1
                autostart: true
                ensure: running
                """));
    assertEquals(List.of(), problems);
    assertEquals(PoolSpec.Type.FS, p.type());
    assertEquals(Optional.of("/srv/fast"), p.path());
    assertEquals(Optional.of("/dev/sdb1"), p.source());
  }

  @Test
  void leftOutKeysAreNotManagedAndANetworkIsNatAndRunningByDefault() {
    NetworkSpec n =
        assertInstanceOf(
            NetworkSpec.class, read("network: lab\nip: 10.1.0.1/16\nrestart: on_change\n"));
    assertEquals(NetworkSpec.Forward.NAT, n.forward());
    assertEquals(HostState.RUNNING, n.ensure());
    assertEquals(Optional.empty(), n.hosts(), "hosts not managed");
    assertEquals(Optional.empty(), n.autostart());
    assertTrue(n.restartOnChange());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          misspelt key                | network: n\\nforwrd: nat\\n                           | 2:1  | unknown key `forwrd`; did you mean `forward`?
          unknown forward mode        | network: n\\nforward: natt\\n                         | 2:10 | `forward` must be one of nat, route, bridge, isolated, not `natt`; did you mean `nat`?
          address without prefix      | network: n\\nip: 192.168.50.1\\n                      | 2:5  | `ip` must be the network's IPv4 address and prefix length such as 192.168.50.1/24, not `192.168.50.1`
          network address as ip       | network: n\\nip: 192.168.50.0/24\\n                   | 2:5  | `ip` is the network's own address (its bridge's): 192.168.50.0 is the network address of /24
          range outside the network   | network: n\\nip: 10.0.0.1/24\\ndhcp:\\n  range: 10.0.1.2-10.0.1.9\\n | 4:3 | `range` 10.0.1.2-10.0.1.9 is not inside the network 10.0.0.1/24
          range backwards             | network: n\\nip: 10.0.0.1/24\\ndhcp:\\n  range: 10.0.0.9-10.0.0.2\\n | 4:10 | `range` starts after it ends: 10.0.0.9-10.0.0.2
          multicast MAC               | network: n\\nip: 10.0.0.1/24\\ndhcp:\\n  hosts:\\n    - {mac: '01:00:5e:00:00:01', ip: 10.0.0.5}\\n | 5:13 | `mac` 01:00:5e:00:00:01 is a multicast address: a NIC's is unicast
          MAC twice                   | network: n\\nip: 10.0.0.1/24\\ndhcp:\\n  hosts:\\n    - {mac: '52:54:00:00:00:01', ip: 10.0.0.5}\\n    - {mac: '52:54:00:00:00:01', ip: 10.0.0.6}\\n | 6:7 | MAC 52:54:00:00:00:01 is listed twice in `hosts`
          host outside the network    | network: n\\nip: 10.0.0.1/24\\ndhcp:\\n  hosts:\\n    - {mac: '52:54:00:00:00:01', ip: 10.0.9.5}\\n | 5:7 | DHCP host 52:54:00:00:00:01: 10.0.9.5 is not a guest address of 10.0.0.1/24
          host without ip             | network: n\\nip: 10.0.0.1/24\\ndhcp:\\n  hosts:\\n    - {mac: '52:54:00:00:00:01'}\\n | 5:7 | a DHCP host needs `ip`
          dhcp without ip             | network: n\\ndhcp:\\n  range: 10.0.0.2-10.0.0.9\\n    | 2:1  | `dhcp` needs the network's `ip` (ADDRESS/PREFIX)
          bridge mode without bridge  | network: n\\nforward: bridge\\n                       | 2:1  | `forward: bridge` needs `bridge`: the existing host bridge the network uses
          bridge mode with an address | network: n\\nforward: bridge\\nbridge: br0\\nip: 10.0.0.1/24\\n | 4:1 | `ip` is not for `forward: bridge`: the host bridge's own network has the addresses
          bridge name too long        | network: n\\nbridge: averyveryverylongbridge\\n       | 2:9  | `bridge` must be an interface name (1-15 of A-Z a-z 0-9 _ . -), not `averyveryverylongbridge`
          pool without type           | pool: p\\npath: /srv/p\\n                              | 1:1  | pool `p` has no `type` (dir, fs, netfs, logical or zfs)
          dir pool without path       | pool: p\\ntype: dir\\n                                 | 1:1  | a `dir` pool needs `path`, its directory
          relative pool path          | pool: p\\ntype: dir\\npath: srv/p\\n                   | 3:7  | `path` must be an absolute path on the hypervisor, not `srv/p`
          netfs source without export | pool: p\\ntype: netfs\\npath: /srv/p\\nsource: nas\\n   | 4:9  | `source` of a `netfs` pool must be HOST:/EXPORT, not `nas`
          source on a dir pool        | pool: p\\ntype: dir\\npath: /srv/p\\nsource: /dev/sdb\\n | 4:1 | `source` is not for a `dir` pool
          path on a zfs pool          | pool: p\\ntype: zfs\\npath: /srv/p\\n                  | 3:1  | `path` is not for a `zfs` pool: libvirt names its volumes' directory
          bad ensure                  | pool: p\\ntype: zfs\\nensure: installed\\n             | 3:9  | `ensure` must be one of running, stopped, absent, not `installed`
          connect that runs a program | network: n\\nconnect: qemu+ext:///system?command=/tmp/x\\n | 2:10 | CONNECT
          """)
  void badInputIsOneErrorWhereItWasWrittenAndDeclaresNothing(
      String what, String yaml, String at, String message) {
    HostSpec spec = read(yaml.replace("\\n", "\n"));
    assertNull(spec, what);
    assertEquals(1, problems.size(), () -> what + ": " + problems);
    Problem p = problems.get(0);
    assertTrue(p.isError());
    assertEquals(FILE, p.file());
    assertEquals(at, p.pos().line() + ":" + p.pos().col(), () -> what + ": " + p.message());
    if (message.equals("CONNECT")) {
      assertTrue(p.message().startsWith("`connect`: "), p.message());
    } else {
      assertEquals(message, p.message(), what);
    }
  }
}
