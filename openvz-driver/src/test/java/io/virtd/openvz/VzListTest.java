package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** vzlist's JSON and column output (samples in the simulator's format, from vzlist.c). */
class VzListTest {
  @Test
  void jsonOfARunningAndAStoppedContainer() {
    String out =
        """
        [
          {
            "ctid": 101,
            "status": "running",
            "ip": ["10.0.0.1", "2001:db8::1"],
            "cpus": 2,
            "cpuunits": 3012,
            "cpulimit": 50,
            "physpages": {
              "held": 0,
              "maxheld": 0,
              "barrier": 0,
              "limit": 131072,
              "failcnt": 0
            },
            "diskspace": {
              "usage": 2,
              "softlimit": 3000000,
              "hardlimit": 3000000
            },
            "diskinodes": null,
            "uptime": 12.5
          },
          {
            "ctid": 102,
            "status": "mounted",
            "ip": [],
            "cpus": 0,
            "cpuunits": null,
            "uptime": 0.000
          }
        ]
        """;
    List<VzList.Entry> e = VzList.parseJson(out);
    assertEquals(2, e.size());
    VzList.Entry a = e.get(0);
    assertEquals(101, a.ctid());
    assertTrue(a.running());
    assertEquals(List.of("10.0.0.1", "2001:db8::1"), a.ips());
    assertEquals(Optional.of(2L), a.cpus());
    assertEquals(Optional.of(3012L), a.cpuunits());
    assertEquals(new VzValues.Ubc(0, 131072), a.ubc().get("physpages"));
    assertEquals(Optional.of(3000000L), a.diskspaceSoft());
    assertEquals(Optional.empty(), a.diskinodesSoft());
    assertEquals(Optional.of(12.5), a.uptimeSeconds());
    VzList.Entry b = e.get(1);
    assertFalse(b.running());
    assertEquals("mounted", b.status());
    assertEquals(Optional.empty(), b.cpus(), "0 cpus is vzlist's 'not set'");
    assertEquals(List.of(), VzList.parseJson("[]\n"));
    assertEquals(List.of(), VzList.parseJson("[\n]\n"));
    assertThrows(IllegalArgumentException.class, () -> VzList.parseJson("Usage: vzlist"));
  }

  @Test
  void columnsWithTheAddressListLast() {
    StringBuilder line =
        new StringBuilder("       101 running       2    3012      50 000d01h:02m:03s");
    for (String n : VzValues.UBC_NAMES) {
      line.append(n.equals("physpages") ? " 0 131072" : n.equals("numproc") ? " 240 240" : " - -");
    }
    line.append("   3000000          - 10.0.0.1 10.0.0.2\n");
    line.append("       102 stopped       -       -       - -");
    for (int i = 0; i < VzValues.UBC_NAMES.size(); i++) {
      line.append(" 0 0");
    }
    line.append(" - - -\n");
    List<VzList.Entry> e = VzList.parseColumns(line.toString());
    assertEquals(2, e.size());
    VzList.Entry a = e.get(0);
    assertEquals(List.of("10.0.0.1", "10.0.0.2"), a.ips());
    assertEquals(Optional.of(3723.0), a.uptimeSeconds());
    assertEquals(new VzValues.Ubc(240, 240), a.ubc().get("numproc"));
    assertFalse(a.ubc().containsKey("kmemsize"));
    assertEquals(Optional.of(3000000L), a.diskspaceSoft());
    assertEquals(Optional.empty(), a.diskinodesSoft());
    VzList.Entry b = e.get(1);
    assertEquals(List.of(), b.ips());
    assertEquals(Optional.empty(), b.cpuunits());
    assertEquals(Optional.empty(), b.uptimeSeconds());
  }

  @Test
  void aVzlistWithoutJsonIsRecognised() {
    assertTrue(
        VzList.jsonRejected(new VzResult(1, "Usage: ...", "vzlist: invalid option -- 'j'\n")));
    assertFalse(VzList.jsonRejected(new VzResult(1, "", "Unknown field: bogus\n")));
    assertFalse(VzList.jsonRejected(new VzResult(0, "[]", "")));
  }
}
