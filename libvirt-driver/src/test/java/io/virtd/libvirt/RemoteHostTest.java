package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A remote hypervisor's architecture is read from its capabilities, not from this machine. */
class RemoteHostTest {
  @Test
  void theArchitectureIsTheHypervisors() {
    assertEquals(
        "aarch64",
        RemoteHost.arch(
            "<capabilities><host><uuid>x</uuid><cpu><arch>aarch64</arch></cpu></host>"
                + "</capabilities>"));
    assertEquals(Host.local().arch(), RemoteHost.arch("<capabilities><host/></capabilities>"));
  }
}
