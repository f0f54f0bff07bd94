package io.virtd.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import io.virtd.core.testing.Specs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The plan of the spec's own example ({@code cli-and-daemon.md}, "Plan output"), compared with
 * golden files written by hand from the spec, never produced by this code.
 */
class PlanGoldenTest {
  private static final String DRIVER = "libvirt qemu:///system";

  private static Plan specExample() {
    DesiredState d =
        Specs.load(
            """
            virt: web01
            virt_type: kvm
            memory: 768
            cpus: 4
            ---
            ---
            virt: db01
            virt_type: kvm
            memory: 2048
            cpus: 2
            ---
            virt: cache01
            virt_type: kvm
            ---
            virt: old01
            virt_type: kvm
            arch: i686
            """);
    String file = d.get("web01").orElseThrow().file().toAbsolutePath().toString();
    var mark = Optional.of(new OwnershipMark("host1", OwnershipMark.Origin.CREATED, file, ""));
    var web01 =
        new ObservedVm(
                "web01",
                RunState.RUNNING,
                Map.of(
                    Field.MEMORY,
                    1024L * 1024,
                    Field.CPUS,
                    1,
                    Field.AUTOBOOT,
                    true,
                    Field.VIRT_TYPE,
                    VirtType.KVM),
                Map.of(Field.MEMORY, 1024L * 1024, Field.CPUS, 1, Field.AUTOBOOT, true),
                mark,
                1024L * 1024,
                1)
            .withAddresses(
                Optional.of(
                    List.of(
                        new GuestAddress(
                            "52:54:00:12:34:56",
                            "192.168.122.10",
                            24,
                            GuestAddress.Source.LEASE))));
    var cache01 =
        new ObservedVm(
            "cache01",
            RunState.SHUTOFF,
            Map.of(Field.AUTOBOOT, true, Field.VIRT_TYPE, VirtType.KVM),
            Map.of(),
            mark,
            0,
            0);
    var old01 = old01(mark);
    var caps = FakeDriver.capabilities(true);
    return Planner.plan(
        List.of(
            Planner.Input.of(d.get("web01").orElseThrow(), DRIVER, caps, Optional.of(web01)),
            Planner.Input.of(d.get("db01").orElseThrow(), DRIVER, caps, Optional.empty()),
            Planner.Input.of(d.get("cache01").orElseThrow(), DRIVER, caps, Optional.of(cache01)),
            Planner.Input.of(d.get("old01").orElseThrow(), DRIVER, caps, Optional.of(old01))),
        PlanPolicy.of("host1"));
  }

  /** The spec example's old01: a running x86_64 guest, 1 GiB, 1 vcpu. */
  private static ObservedVm old01(Optional<OwnershipMark> mark) {
    return new ObservedVm(
        "old01",
        RunState.RUNNING,
        Map.of(Field.ARCH, "x86_64", Field.AUTOBOOT, true, Field.VIRT_TYPE, VirtType.KVM),
        Map.of(Field.ARCH, "x86_64", Field.AUTOBOOT, true),
        mark,
        1024L * 1024,
        1);
  }

  private static String golden(String name) throws IOException {
    try (var in = PlanGoldenTest.class.getResourceAsStream("/golden/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void textMatchesTheSpecExample() throws IOException {
    assertEquals(golden("spec-example.txt"), PlanText.render(PlanJson.of(specExample())));
  }

  @Test
  void jsonMatchesTheDocumentedSchema() throws IOException {
    Plan plan = specExample();
    String file = plan.resources().get(0).spec().file().toString();
    JsonNode expected =
        PlanJson.mapper().readTree(golden("spec-example.json").replace("@FILE@", file));
    JsonNode actual = PlanJson.of(plan);
    // numbers compare by value: the golden's 4 is an int node, the plan's a long node
    java.util.Comparator<JsonNode> sameValue =
        (a, b) ->
            a.equals(b)
                    || a.isNumber()
                        && b.isNumber()
                        && a.decimalValue().compareTo(b.decimalValue()) == 0
                ? 0
                : 1;
    assertEquals(expected.toPrettyString(), actual.toPrettyString());
    assertTrue(expected.equals(sameValue, actual));
  }

  @Test
  void aProtectedGuestsRecreateRequiredDifferenceDoesNotSuggestReplace() {
    DesiredState d = Specs.load("virt: old01\nvirt_type: kvm\narch: i686\nprotect: true\n");
    var old01 =
        old01(Optional.of(new OwnershipMark("host1", OwnershipMark.Origin.CREATED, "", "")));
    Plan plan =
        Planner.plan(
            List.of(
                Planner.Input.of(
                    d.get("old01").orElseThrow(),
                    DRIVER,
                    FakeDriver.capabilities(true),
                    Optional.of(old01))),
            PlanPolicy.of("host1"));
    JsonNode json = PlanJson.of(plan);
    assertTrue(json.get("resources").get(0).get("protect").asBoolean());
    String text = PlanText.render(json);
    assertTrue(
        text.matches(
            "(?s).*-/\\+ arch: x86_64 -> i686 +\\(recreate required; `protect: true` refuses"
                + " re-creating it\\)\n.*"),
        text);
    assertFalse(text.contains("--replace"), text);
  }

  @Test
  void aMarkNamingTheSameManifestThroughDotPathsGivesNoWarning() {
    DesiredState d = Specs.load("virt: old01\nvirt_type: kvm\narch: x86_64\n");
    var spec = d.get("old01").orElseThrow();
    java.nio.file.Path file = spec.file().toAbsolutePath();
    String dotted = file.getParent().resolve(".").resolve(file.getFileName()).toString();
    for (String manifest : List.of(dotted, "/elsewhere/old01.yaml")) {
      var mark = new OwnershipMark("host1", OwnershipMark.Origin.CREATED, manifest, "");
      var plan =
          Planner.plan(
              List.of(
                  Planner.Input.of(
                      spec,
                      DRIVER,
                      FakeDriver.capabilities(true),
                      Optional.of(old01(Optional.of(mark))))),
              PlanPolicy.of("host1"));
      List<String> warnings = plan.resources().get(0).warnings();
      assertEquals(manifest.equals(dotted), warnings.isEmpty(), manifest + ": " + warnings);
    }
  }
}
