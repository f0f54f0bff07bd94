package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;

/**
 * {@link AgentShutdown} through JNA on a real handle: a hypervisor without an agent to ask (the
 * test driver takes no shutdown flags) refuses, which reads as "not taken" and leaves the guest
 * running for the ACPI fallback, within the wait given.
 */
class AgentShutdownTest {
  @Test
  void aRefusedAgentRequestIsNotTakenAndChangesNothing() throws Exception {
    Connect conn = new Connect("test:///default");
    try {
      var d = conn.domainLookupByName("test");
      long start = System.nanoTime();
      assertFalse(AgentShutdown.request(d, Duration.ofSeconds(2)));
      assertTrue((System.nanoTime() - start) / 1_000_000 < 2_500);
      assertTrue(Domains.isActive(d));
      d.free();
    } finally {
      conn.close();
    }
  }
}
