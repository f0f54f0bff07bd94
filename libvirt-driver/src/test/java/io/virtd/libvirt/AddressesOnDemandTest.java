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
  @Test
  void aPlanReadLeavesAddressesUnknownAndTheShowingReadHasThem() throws Exception {
    try (VmDriver d = new LibvirtDriverFactory().open("test:///default", Config.defaults())) {
      ObservedVm plain = d.observe("test").orElseThrow();
      ObservedVm shown = d.observeWithAddresses("test").orElseThrow();
      assertTrue(plain.state().isActive());
      assertEquals(Optional.empty(), plain.addresses());
      List<GuestAddress> lease = shown.addresses().orElseThrow();
      assertEquals(1, lease.size());
      assertEquals("aa:bb:cc:dd:ee:ff", lease.get(0).mac());
      assertEquals(GuestAddress.Source.LEASE, lease.get(0).source());
      assertEquals(Optional.empty(), d.observeAll().get("test").addresses());
      assertEquals(shown.addresses(), d.observeAllWithAddresses().get("test").addresses());
      // the fields a plan compares are the same either way
      assertEquals(plain.persistent(), shown.persistent());
      assertEquals(plain.live(), shown.live());
    }
  }
}
