package io.virtd.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.core.config.Config;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.PlanText;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import io.virtd.core.testing.Specs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host renamed from {@code hv-old} to {@code hv-new} takes its guests back with one line of
 * configuration, {@code former_owners: [hv-old]}: their marks are rewritten, nothing else changes.
 */
class FormerOwnersTest {
  @TempDir Path locks;
  final FakeDriver fake = new FakeDriver();

  static final String MANIFEST =
      """
      virt: a
      virt_type: kvm
      memory: 256
      ---
      virt: b
      virt_type: kvm
      memory: 512
      ---
      virt: gone
      virt_type: kvm
      ensure: absent
      """;

  private Drivers drivers() {
    return new Drivers(Config.defaults(), List.of(fake.factory()));
  }

  private static PlanPolicy renamed() {
    return PlanPolicy.of("hv-new").withFormerOwners(List.of("hv-old"));
  }

  private void guest(String name, long memKiB, String owner, OwnershipMark.Origin origin) {
    FakeDriver.Guest g = fake.add(name, RunState.RUNNING);
    g.persistent.put(io.virtd.core.manifest.Field.VIRT_TYPE, io.virtd.core.manifest.VirtType.KVM);
    g.persistent.put(io.virtd.core.manifest.Field.MEMORY, memKiB);
    g.live.putAll(g.persistent);
    g.mark = new OwnershipMark(owner, origin, "/m/" + name + ".yaml", "");
  }

  @Test
  void guestsMarkedByAFormerOwnerNameAreTakenBackKeepingTheirOrigin() {
    guest("a", 256 * 1024, "hv-old", OwnershipMark.Origin.CREATED);
    guest("b", 256 * 1024, "hv-old", OwnershipMark.Origin.ADOPTED);
    guest("gone", 64 * 1024, "hv-old", OwnershipMark.Origin.CREATED);
    DesiredState d = Specs.load(MANIFEST);

    Plan plan = Planning.plan(d.resources().values(), drivers(), renamed());
    JsonNode json = PlanJson.of(plan);
    JsonNode a = json.get("resources").get(0);
    assertEquals("null", a.get("error").toString(), a.toString());
    assertEquals("[\"reown\"]", a.get("actions").toString());
    assertEquals("hv-old", a.get("reown").get("from").asText());
    assertEquals("hv-new", a.get("reown").get("to").asText());
    String text = PlanText.render(json);
    assertTrue(text.contains("  ~ owner: hv-old -> hv-new "), text);
    assertTrue(text.contains("(mark only: a former owner name of this host)"), text);
    assertTrue(text.contains("virt/gone (libvirt qemu:///system)\n  - remove"), text);
    assertTrue(plan.hasChanges(), "a mark to rewrite is a change apply makes");

    Apply.Result r =
        Apply.run(
            plan,
            drivers(),
            new Executor("hv-new", new GuestLocks(locks), Duration.ofSeconds(1)),
            renamed(),
            e -> {},
            1,
            Executor.Gate.OPEN,
            name -> {});
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("hv-new", fake.guests.get("a").mark.owner());
    assertEquals(OwnershipMark.Origin.CREATED, fake.guests.get("a").mark.origin());
    assertEquals("hv-new", fake.guests.get("b").mark.owner(), "written with b's memory update");
    assertEquals(OwnershipMark.Origin.ADOPTED, fake.guests.get("b").mark.origin());
    assertEquals(
        512L * 1024, fake.guests.get("b").persistent.get(io.virtd.core.manifest.Field.MEMORY));
    assertFalse(fake.guests.containsKey("gone"), "absent acts on a guest a former name owned");
    assertFalse(r.after().hasChanges(), r.after().toString());

    Plan withoutTheLine = Planning.plan(d.resources().values(), drivers(), PlanPolicy.of("hv-new"));
    assertFalse(withoutTheLine.hasChanges(), "the marks name the new owner now");
  }

  @Test
  void aGuestOfAnotherOwnerIsStillRefused() {
    guest("a", 256 * 1024, "hv-other", OwnershipMark.Origin.CREATED);
    DesiredState d = Specs.load(MANIFEST);
    Plan plan = Planning.plan(d.resources().values(), drivers(), renamed());
    var a = plan.resources().stream().filter(r -> r.name().equals("a")).findFirst().orElseThrow();
    assertTrue(a.error().orElseThrow().contains("owned by `hv-other`"), a.error().toString());
    assertEquals("hv-other", fake.guests.get("a").mark.owner());
  }
}
