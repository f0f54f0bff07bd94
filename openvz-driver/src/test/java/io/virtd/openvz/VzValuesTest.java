package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** vzctl's value syntax, read as vzctl reads it. */
class VzValuesTest {
  @ParameterizedTest
  @CsvSource({
    "10.0.0.1, 10.0.0.1",
    "010.000.000.001, 10.0.0.1",
    "10.0.0.1/24, 10.0.0.1/24",
    "10.0.0.1/024, 10.0.0.1/24",
    "2001:DB8::1, 2001:db8::1",
    "2001:db8:0:0:0:0:0:1/64, 2001:db8::1/64",
    "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
    "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
    "2001:0:0:1:0:0:1:1, 2001::1:0:0:1:1",
    "1:0:1:0:1:0:1:0, 1:0:1:0:1:0:1:0",
    "::, ::",
    "::1, ::1",
    "fe80:0:0:0:1:0:0:0, fe80::1:0:0:0",
    "::ffff:10.0.0.1, ::ffff:10.0.0.1",
    "not-an-ip, not-an-ip"
  })
  void addressesAsCanonIpStoresThem(String in, String out) {
    assertEquals(out, VzValues.canonIp(in));
  }

  @Test
  void addressesWithoutMasks() {
    assertEquals("2001:db8::1", VzValues.ipOnly("2001:DB8::1/64"));
    assertEquals("10.0.0.1", VzValues.ipOnly("10.0.0.1"));
  }

  @Test
  void barrierLimitPairsWithUnitsAndUnlimited() {
    assertEquals(
        Optional.of(new VzValues.Ubc(0, 65536)),
        VzValues.barrierLimit("0:256M", VzValues.PAGE_BYTES));
    assertEquals(Optional.of(new VzValues.Ubc(240, 240)), VzValues.barrierLimit("240", 0));
    assertEquals(
        Optional.of(new VzValues.Ubc(Long.MAX_VALUE, Long.MAX_VALUE)),
        VzValues.barrierLimit("unlimited", 1));
    assertEquals(
        Optional.of(new VzValues.Ubc(2097152, 2306867)), VzValues.barrierLimit("2G:2.2G", 1024));
    assertEquals(
        Optional.of(new VzValues.Ubc(14372700, 14790164)),
        VzValues.barrierLimit("14372700:14790164", 1));
    assertEquals(Optional.empty(), VzValues.barrierLimit("10K", 0), "items take no unit");
    assertEquals(Optional.empty(), VzValues.barrierLimit("1:2:3", 1));
    assertEquals(Optional.empty(), VzValues.barrierLimit("x", 1));
    assertEquals("240", new VzValues.Ubc(240, 240).text());
    assertEquals("0:unlimited", new VzValues.Ubc(0, Long.MAX_VALUE).text());
  }

  @Test
  void onOffDevicesWordsAndNumbers() {
    assertEquals(Map.of("sysfs", false, "nfs", true), VzValues.onOff("sysfs:off nfs:on"));
    assertEquals(Map.of("net_admin", true), VzValues.onOff("NET_ADMIN:on,bogus"));
    assertEquals("c:10:200:rw", VzValues.canonDevice("c:10:200:wr"));
    assertEquals("b:8:all:", VzValues.canonDevice("b:8:all:none"));
    assertEquals("none", VzValues.canonDevice("none"));
    assertEquals(List.of("a", "b"), VzValues.words(" a\tb  a "));
    assertEquals(Optional.of(Long.MAX_VALUE), VzValues.number("unlimited"));
    assertEquals(Optional.empty(), VzValues.number("-1"));
    assertEquals(Optional.of(true), VzValues.yesNo("yes"));
    assertEquals(Optional.empty(), VzValues.yesNo("YES"));
  }
}
