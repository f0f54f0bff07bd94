package io.virtd.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DocumentDigest;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.SecretDigest;
import io.virtd.core.testing.FakeDriver;
import io.virtd.core.testing.ManifestGen;
import io.virtd.core.testing.PropertyCases;
import io.virtd.core.testing.Specs;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The planner is total: for any valid spec and any guest a driver could report, it returns a plan
 * (never throws), the plan renders as JSON and text, and no rendering holds a secret in clear.
 * Property tests over seeded pseudo-random inputs ({@link PropertyCases}); failure reports have the
 * secret redacted.
 */
class PlannerPropertiesTest {
  static final int TRIES = 200;
  static final String SECRET = "Pl4nS3cr"; // 8 characters: VNC's limit

  record Case(
      VmSpec spec, Optional<ObservedVm> observed, boolean honourLimits, PlanPolicy policy) {}

  @Test
  void planningNeverThrows() {
    Map<String, Integer> outcomes = new TreeMap<>();
    Map<String, Integer> steps = new TreeMap<>();
    PropertyCases.forAll(
        "planning never throws and never shows a secret",
        TRIES,
        PlannerPropertiesTest::aCase,
        Case::toString,
        c -> {
          var in =
              Planner.Input.of(
                  c.spec(),
                  "libvirt fake:///",
                  FakeDriver.capabilities(c.honourLimits()),
                  c.observed());
          ResourcePlan r = Planner.planOne(in, c.policy());
          assertEquals(c.spec(), r.spec());
          if (c.observed().isEmpty()) {
            assertTrue(r.error().isEmpty(), r::toString);
          }
          String kinds =
              r.error().isPresent()
                  ? "error"
                  : r.steps().isEmpty()
                      ? "nothing to do"
                      : String.join(
                          "+",
                          r.steps().stream().map(st -> st.getClass().getSimpleName()).toList());
          steps.merge(
              r.steps().stream()
                  .map(st -> st.getClass().getSimpleName())
                  .sorted()
                  .distinct()
                  .toList()
                  .toString(),
              1,
              Integer::sum);
          outcomes.merge(
              kinds.contains("Update") ? "update" : kinds.contains("Create") ? "create" : kinds,
              1,
              Integer::sum);
          Plan plan = new Plan(List.of(r));
          String json = PlanJson.mapper().writeValueAsString(PlanJson.of(plan));
          String text = PlanText.render(PlanJson.of(plan));
          for (var rendering :
              List.of(
                  Map.entry("JSON", json),
                  Map.entry("text", text),
                  Map.entry("toString", plan.toString()))) {
            String out = rendering.getValue();
            assertFalse(
                out.contains(SECRET),
                () ->
                    "the plan's "
                        + rendering.getKey()
                        + " holds the secret in clear: "
                        + out.replace(SECRET, "<<SECRET HERE>>"));
          }
        },
        s -> s.replace(SECRET, "<<SECRET>>"));
    String report =
        "outcomes "
            + outcomes
            + ", steps "
            + steps
            + " of "
            + TRIES
            + " (base seed "
            + PropertyCases.baseSeed()
            + ")";
    assertTrue(outcomes.getOrDefault("create", 0) >= 1, report);
    assertTrue(outcomes.getOrDefault("update", 0) >= 1, report);
    assertTrue(outcomes.getOrDefault("error", 0) >= 1, report);
  }

  static Case aCase(ManifestGen g) {
    VmSpec spec = spec(g);
    Optional<ObservedVm> observed =
        g.chance(0.2)
            ? Optional.empty()
            : Optional.of(
                observedFrom(
                    spec(g),
                    g.oneOf(RunState.values()),
                    mark(g),
                    g.between(0, 1L << 34),
                    g.between(0, 64),
                    g.bool()));
    boolean honourLimits = g.bool();
    PlanPolicy policy =
        new PlanPolicy(g.oneOf("me", "someone-else"), g.bool() ? Set.of("g1") : Set.of(), g.bool());
    return new Case(spec, observed, honourLimits, policy);
  }

  /** Valid specs: the libvirt changeable keys, plus create-time and policy keys and secrets. */
  static VmSpec spec(ManifestGen g) {
    Map<String, String> body = g.libvirtChangeable();
    String type = g.oneOf("kvm", "qemu");
    String more =
        g.oneOf(
            "",
            "arch: i686\n",
            "os_type: linux\n",
            "protect: true\n",
            "restart: on_change\n",
            "shutdown_timeout: 2s\n",
            "vnc_password: " + SECRET + "\n",
            "user_data: {password: " + SECRET + "}\n",
            "interfaces: [default, br0]\n",
            "network_model: e1000\n",
            "ensure: absent\n");
    String text = ManifestGen.manifest("g1", type, body);
    if (more.startsWith("ensure:")) {
      text = text.replaceAll("(?m)^ensure: .*\n", "");
    }
    return Specs.parse(text + more);
  }

  static Optional<OwnershipMark> mark(ManifestGen g) {
    return switch (g.random().nextInt(4)) {
      case 0 -> Optional.empty();
      case 1 ->
          Optional.of(
              new OwnershipMark("me", OwnershipMark.Origin.CREATED, "/m/g1.yaml", "sha256:x"));
      case 2 ->
          Optional.of(new OwnershipMark("me", OwnershipMark.Origin.ADOPTED, "/elsewhere.yaml", ""));
      default ->
          Optional.of(new OwnershipMark("someone-else", OwnershipMark.Origin.CREATED, "", ""));
    };
  }

  /** A guest as a driver would report it, with the field values of another generated spec. */
  static ObservedVm observedFrom(
      VmSpec other,
      RunState state,
      Optional<OwnershipMark> mark,
      long maxMem,
      int maxCpus,
      boolean liveDiffers) {
    Map<Field, Object> persistent = new EnumMap<>(Field.class);
    other
        .managed()
        .forEach(
            (f, v) -> {
              if (f == Field.VNC_PASSWORD) {
                persistent.put(f, SecretDigest.of("other-" + v));
              } else if (f == Field.USER_DATA) {
                persistent.put(f, DocumentDigest.of(v));
              } else {
                persistent.put(f, v);
              }
            });
    Map<Field, Object> live = new EnumMap<>(Field.class);
    if (state.isActive()) {
      live.putAll(persistent);
      if (liveDiffers) {
        live.put(Field.MEMORY, maxMem / 2);
        live.remove(Field.CPUS);
      }
    }
    return new ObservedVm("g1", state, persistent, live, mark, maxMem, maxCpus);
  }
}
