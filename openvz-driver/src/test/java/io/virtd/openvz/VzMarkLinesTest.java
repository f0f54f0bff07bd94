package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.SecretDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code #virtd} comment lines: written, read back, nothing lost, nothing secret. */
class VzMarkLinesTest {
  @Test
  void everyLineRoundTrips() {
    SecretDigest user = SecretDigest.of("root:pw");
    VzMarkLines m =
        new VzMarkLines(
            Optional.of(
                new OwnershipMark(
                    "host 1",
                    OwnershipMark.Origin.CREATED,
                    "/etc/virtd/my manifests/ä.yaml",
                    "sha256:ab")),
            Optional.of(user),
            Map.of(
                Field.FEATURES,
                List.of("nfs:on", "sysfs:off"),
                Field.IPADDR,
                List.of(),
                Field.DEVICES,
                List.of("a,b=c%d")),
            Optional.of(
                new VzMarkLines.Pending(
                    1718000000000L,
                    Map.of(
                        Field.CAPABILITY, List.of("net_admin:off"), Field.FEATURES, List.of()))));
    List<String> lines = m.lines();
    assertEquals(
        List.of(
            "#virtd: owner=host%201 origin=created manifest=/etc/virtd/my%20manifests/%C3%A4.yaml hash=sha256:ab",
            "#virtd-user: " + user.encoded(),
            "#virtd-written: ipaddr=",
            "#virtd-written: features=nfs:on,sysfs:off",
            "#virtd-written: devices=a%2Cb%3Dc%25d",
            "#virtd-pending: since=1718000000000 features= capability=net_admin:off"),
        lines);
    VzMarkLines back = VzMarkLines.parse(lines);
    assertEquals(m.mark(), back.mark());
    assertEquals(m.written(), back.written());
    assertEquals(m.pending(), back.pending());
    assertTrue(back.user().orElseThrow().matches("root:pw"));
    assertTrue(lines.stream().noneMatch(l -> l.contains("root:pw")));
  }

  @Test
  void unknownOrBrokenLinesAreIgnored() {
    VzMarkLines m =
        VzMarkLines.parse(
            List.of(
                "#virtd: origin=created",
                "#virtd-user: md5$x",
                "#virtd-written: nosuchkey=1",
                "#virtd-pending: features=nfs:on"));
    assertEquals(VzMarkLines.none(), m);
  }

  @Test
  void aDigestMatchesOnlyItsSecretAndShowsNothing() {
    SecretDigest d = SecretDigest.of("root:pw");
    assertTrue(d.matches("root:pw"));
    assertTrue(!d.matches("root:pw2") && !d.matches(null) && !d.matches(42));
    assertEquals("(sensitive)", d.toString());
    assertEquals(d, SecretDigest.parse(d.encoded()).orElseThrow());
    assertTrue(!SecretDigest.of("root:pw").equals(d), "a fresh salt each time");
  }
}
