package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The worked "new hypervisor" example: a network, a pool and a guest on both, planned together on
 * libvirt's test driver, the network and the pool before the guest.
 */
class NewHostExampleTest {
  private static final String EXAMPLE = Path.of("..", "manifests", "newhost").toString();

  @Test
  void theExampleValidatesAndPlansItsNetworkAndPoolBeforeItsGuest() {
    Cli v = Cli.run("validate", "-m", EXAMPLE);
    assertEquals(0, v.exit(), v.err());
    assertTrue(v.out().contains("3 resource(s) valid."), v.out());

    Cli p = Cli.run("plan", "-m", EXAMPLE, "--connect", "test:///default");
    assertEquals(2, p.exit(), p.out() + p.err());
    String out = p.out();
    assertTrue(
        out.contains(
            "network/backend (libvirt test:///default)\n"
                + "  + create (nat, 192.168.50.1/24, bridge virbr50, ensure running)\n"
                + "pool/fast (libvirt test:///default)\n"
                + "  + create (dir, /var/lib/virtd/fast, ensure running)\n"
                + "virt/app01 (libvirt test:///default)\n"
                + "  + create (kvm, 512 MiB, 1 cpu, ensure stopped)\n"),
        out);
    assertTrue(out.contains("Plan: 3 to create,"), out);
  }
}
