package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.VmDriver;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Addresses are read only where they are shown: {@code observe} and {@code observeAll} (what a plan
 * reads) leave a running guest's unknown; the {@code WithAddresses} reads ask libvirt. The sample
 * guest of {@code test:///default} runs with one NIC whose lease libvirt's test driver reports.
 */
class AddressesOnDemandTest {
  static final GuestAddress LEASE =
      new GuestAddress("aa:bb:cc:dd:ee:ff", "192.168.122.3", 24, GuestAddress.Source.LEASE);

  @Test
  void aPlanReadLeavesAddressesUnknownAndTheShowingReadHasThem() throws Exception {
    try (VmDriver d = new LibvirtDriverFactory().open("test:///default", Config.defaults())) {
      ObservedVm plain = d.observe("test").orElseThrow();
      ObservedVm shown = d.observeWithAddresses("test").orElseThrow();
      assertTrue(plain.state().isActive());
      assertEquals(Optional.empty(), plain.addresses());
      assertEquals(Optional.of(List.of(LEASE)), shown.addresses());
      assertEquals(Optional.empty(), d.observeAll().get("test").addresses());
      assertEquals(
          Optional.of(List.of(LEASE)), d.observeAllWithAddresses().get("test").addresses());
      // the fields a plan compares are the same either way
      assertEquals(plain.persistent(), shown.persistent());
      assertEquals(plain.live(), shown.live());
    }
  }

  @Test
  void aGuestThatDoesNotRunHasNoneWithoutBeingAsked() throws Exception {
    try (VmDriver d = new LibvirtDriverFactory().open("test:///default", Config.defaults())) {
      d.destroy("test");
      try {
        assertEquals(Optional.of(List.of()), d.observe("test").orElseThrow().addresses());
      } finally {
        d.start("test"); // test:///default is one per process: leave it as it was
      }
    }
  }
}
