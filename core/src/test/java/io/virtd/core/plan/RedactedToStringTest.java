package io.virtd.core.plan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import io.virtd.core.testing.Specs;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Records print every component by default; the ones holding secrets ({@code user}, {@code
 * vnc_password}, {@code user_data}) print them as {@code (sensitive)}, because a spec or a plan
 * ends up in log lines, exception messages and test failures.
 */
class RedactedToStringTest {
  static final String SECRET = "T0Str1ng"; // 8 characters: VNC's limit

  @Test
  void aSpecPrintsItsSecretsAsSensitive() {
    VmSpec kvm =
        Specs.parse(
            "virt: web01\nvirt_type: kvm\nmemory: 256\nvnc_password: "
                + SECRET
                + "\nuser_data: {password: "
                + SECRET
                + "}\n");
    VmSpec ovz = Specs.parse("virt: ct101\nvirt_type: openvz\nuser: root:" + SECRET + "\n");
    for (VmSpec s : List.of(kvm, ovz)) {
      String text = s.toString();
      assertFalse(text.contains(SECRET), text);
      assertTrue(text.contains("(sensitive)"), text);
    }
    assertTrue(kvm.toString().contains("memory=262144"), "other values are still shown: " + kvm);
    assertTrue(kvm.toString().startsWith("VmSpec[name=web01, "), kvm::toString);
  }

  @Test
  void aFieldChangeOfASecretPrintsNeitherValue() {
    var c = new FieldChange(Field.VNC_PASSWORD, "old-" + SECRET, SECRET, Mutability.RESTART);
    assertFalse(c.toString().contains(SECRET), c::toString);
    var plain = new FieldChange(Field.MEMORY, 1024L, 2048L, Mutability.LIVE);
    assertTrue(plain.toString().contains("before=1024, after=2048"), plain::toString);
  }

  @Test
  void aPlanCreatingAndUpdatingSecretsPrintsNone() {
    VmSpec spec =
        Specs.parse(
            "virt: web01\nvirt_type: kvm\nvnc_password: "
                + SECRET
                + "\nuser_data: {password: "
                + SECRET
                + "}\n");
    FakeDriver fake = new FakeDriver();
    ResourcePlan create =
        Planner.planOne(
            Planner.Input.of(spec, "libvirt fake:///", fake.capabilities(), Optional.empty()),
            PlanPolicy.of("me"));
    fake.add("web01", RunState.RUNNING)
        .persistent
        .put(Field.VNC_PASSWORD, io.virtd.core.spi.SecretDigest.of("old"));
    var observed =
        new io.virtd.core.spi.ObservedVm(
            "web01",
            RunState.RUNNING,
            Map.of(Field.VNC_PASSWORD, io.virtd.core.spi.SecretDigest.of("old")),
            Map.of(),
            Optional.empty(),
            0,
            1);
    ResourcePlan update =
        Planner.planOne(
            Planner.Input.of(spec, "libvirt fake:///", fake.capabilities(), Optional.of(observed)),
            PlanPolicy.of("me"));
    String text = new Plan(List.of(create, update)).toString();
    assertFalse(text.contains(SECRET), text);
    assertTrue(text.contains("(sensitive)"), text);
  }
}
