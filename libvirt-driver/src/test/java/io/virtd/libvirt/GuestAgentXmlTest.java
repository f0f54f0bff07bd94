package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code guest_agent}: the agent's virtio channel written and read back, and NICs' MACs. */
class GuestAgentXmlTest {
  private static final Host HOST = new Host("x86_64", n -> false, "UTC");

  private static final String RUNNING =
      """
      <domain type='kvm'><name>g</name><memory>65536</memory><vcpu>1</vcpu>
        <os><type arch='x86_64'>hvm</type></os>
        <devices>
          <interface type='network'><mac address='52:54:00:AA:00:01'/><source network='default'/></interface>
          <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
          <channel type='unix'>
            <source mode='bind' path='/run/libvirt/qemu/channel/1-g/org.qemu.guest_agent.0'/>
            <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
          </channel>
        </devices></domain>
      """;

  @Test
  void aConnectedAgentAndEachNicsMacAreRead() {
    DomainReader.Facts f = DomainReader.read(RUNNING);
    assertEquals(true, f.fields().get(Field.GUEST_AGENT));
    assertTrue(f.agentConnected());
    assertEquals(List.of("52:54:00:aa:00:01"), f.nics());
  }

  @Test
  void aChannelWithNoAgentBehindItIsTheKeyButNoAgentToAsk() {
    DomainReader.Facts f =
        DomainReader.read(RUNNING.replace(" state='connected'", " state='disconnected'"));
    assertEquals(true, f.fields().get(Field.GUEST_AGENT));
    assertFalse(f.agentConnected());
  }

  @Test
  void writingTheKeyAddsOneChannelAndRemovingItKeepsOtherChannels() {
    String without = edit(RUNNING, false);
    DomainReader.Facts off = DomainReader.read(without);
    assertEquals(false, off.fields().get(Field.GUEST_AGENT));
    assertTrue(without.contains("com.redhat.spice.0"), without);

    String with = edit(without, true);
    assertEquals(true, DomainReader.read(with).fields().get(Field.GUEST_AGENT));
    assertEquals(1, with.split("org.qemu.guest_agent.0", -1).length - 1, with);
    assertEquals(with, edit(with, true)); // written once, however often it is applied
  }

  private static String edit(String xml, boolean agent) {
    var doc = Dom.parse(xml);
    DomainFieldWriter.apply(doc, Field.GUEST_AGENT, agent, HOST);
    return Dom.serialize(doc);
  }
}
