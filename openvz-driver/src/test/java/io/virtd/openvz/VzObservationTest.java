package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.manifest.Field;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code FEATURES}/{@code CAPABILITY} as observed: the names that are on, all of them, whether the
 * manifest lists them or not; an {@code off} entry means the same as none.
 */
class VzObservationTest {
  private static List<String> onOff(List<String> written, String stored) {
    return VzObservation.onOff(written, VzValues.onOff(stored));
  }

  @Test
  void theWrittenListWhenItTurnsOnExactlyWhatIsOn() {
    assertEquals(
        List.of("net_admin:on", "sys_time:off"),
        onOff(List.of("net_admin:on", "sys_time:off"), "NET_ADMIN:on SYS_TIME:off"));
    assertEquals(List.of("nfs:on"), onOff(List.of("nfs:on"), "sysfs:off nfs:on"));
    assertEquals(List.of(), onOff(List.of(), "nfs:off"));
    assertEquals(List.of("nfs:off"), onOff(List.of("nfs:off"), ""));
    assertEquals(List.of(), onOff(List.of(), null));
  }

  @Test
  void entriesTheManifestDoesNotListAreNotHidden() {
    // a regression seen: capability [sys_time:on, net_admin:on] -> [net_admin:on] with SYS_TIME
    // still on
    assertEquals(
        List.of("net_admin:on", "sys_time:on"),
        onOff(List.of("net_admin:on"), "NET_ADMIN:on SYS_TIME:on"));
    // features [nfs:on] -> [] with nfs still on
    assertEquals(List.of("nfs:on"), onOff(List.of(), "nfs:on"));
    // features [nfs:on, sit:on] -> [nfs:on] with sit still on
    assertEquals(List.of("nfs:on", "sit:on"), onOff(List.of("nfs:on"), "nfs:on sit:on"));
  }

  @Test
  void aListedEntryThatIsOffIsReportedAsTheOnesThatAreOn() {
    assertEquals(List.of(), onOff(List.of("nfs:on"), "nfs:off"));
    assertEquals(List.of("sit:on"), onOff(List.of("nfs:on"), "nfs:off sit:on"));
  }

  @Test
  void withNothingWrittenEveryNameThatIsOn() {
    assertEquals(
        List.of("net_admin:on", "sys_time:on"), onOff(null, "CHOWN:off NET_ADMIN:on SYS_TIME:on"));
    assertEquals(List.of(), onOff(null, "sysfs:off"));
  }

  @Test
  void persistentReadsTheConfigThroughTheSameRule() {
    VzConfigFile c =
        VzConfigFile.parse(
            101,
            "#virtd-written: capability=net_admin:on\n"
                + "FEATURES=\"nfs:on\"\n"
                + "CAPABILITY=\"NET_ADMIN:on SYS_TIME:on\"\n");
    Map<Field, Object> p = VzObservation.persistent(c, VzMarkLines.parse(c.virtdLines()));
    assertEquals(List.of("nfs:on"), p.get(Field.FEATURES));
    assertEquals(List.of("net_admin:on", "sys_time:on"), p.get(Field.CAPABILITY));
  }

  @Test
  void aRunningContainersVenetAddressesAreItsAddressesFromItsConfiguration() {
    var e =
        new VzList.Entry(
            101,
            "running",
            List.of("10.0.0.5", "2001:0db8:0:0::10/64"),
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            Map.of(),
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.empty());
    var config = io.virtd.core.spi.GuestAddress.Source.CONFIG;
    assertEquals(
        List.of(
            new io.virtd.core.spi.GuestAddress("", "10.0.0.5", -1, config),
            new io.virtd.core.spi.GuestAddress("", "2001:db8::10", 64, config)),
        VzObservation.addresses(e));
  }
}
