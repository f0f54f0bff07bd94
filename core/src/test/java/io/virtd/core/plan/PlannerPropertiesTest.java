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
import io.virtd.core.testing.ManifestArbitraries;
import io.virtd.core.testing.Specs;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * The planner is total: for any valid spec and any guest a driver could report, it returns a plan
 * (never throws), the plan renders as JSON and text, and no rendering holds a secret in clear.
 */
class PlannerPropertiesTest {
  static final String SECRET = "Plan-S3cr3t-value";

  record Case(VmSpec spec, Optional<ObservedVm> observed, boolean honourLimits, PlanPolicy policy) {}

  @Property(tries = 200)
  @StatisticsReport(onFailureOnly = true)
  void planningNeverThrows(@ForAll("cases") Case c) throws Exception {
    var in = Planner.Input.of(c.spec(), "libvirt fake:///", FakeDriver.capabilities(c.honourLimits()), c.observed());
    ResourcePlan r = Planner.planOne(in, c.policy());
    assertEquals(c.spec(), r.spec());
    if (c.observed().isEmpty()) {
      assertTrue(r.error().isEmpty(), r::toString);
    }
    String kinds =
        r.error().isPresent()
            ? "error"
            : r.steps().isEmpty() ? "nothing to do" : String.join("+", r.steps().stream().map(st -> st.getClass().getSimpleName()).toList());
    Statistics.label("steps").collect(r.steps().stream().map(st -> st.getClass().getSimpleName()).sorted().distinct().toList().toString());
    Statistics.label("outcome").collect(kinds.contains("Update") ? "update" : kinds.contains("Create") ? "create" : kinds);
    Statistics.label("outcome").coverage(cov -> {
      cov.check("create").count(n -> n >= 1);
      cov.check("update").count(n -> n >= 1);
      cov.check("error").count(n -> n >= 1);
      cov.check("nothing to do").count(n -> n >= 0);
    });
    Plan plan = new Plan(List.of(r));
    String json = PlanJson.MAPPER.writeValueAsString(PlanJson.of(plan));
    String text = PlanText.render(PlanJson.of(plan));
    for (String out : List.of(json, text, plan.toString())) {
      assertFalse(out.contains(SECRET), () -> "secret in " + out);
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<VmSpec> specs = specs();
    Arbitrary<Optional<ObservedVm>> observed =
        Combinators.combine(specs, Arbitraries.of(RunState.values()), marks(), Arbitraries.longs().between(0, 1L << 34), Arbitraries.integers().between(0, 64), Arbitraries.of(true, false))
            .as((other, state, mark, maxMem, maxCpus, liveDiffers) -> Optional.of(observedFrom(other, state, mark, maxMem, maxCpus, liveDiffers)))
            .injectNull(0.2)
            .map(o -> o == null ? Optional.<ObservedVm>empty() : o);
    Arbitrary<PlanPolicy> policies =
        Combinators.combine(Arbitraries.of("me", "someone-else"), Arbitraries.of(true, false), Arbitraries.of(true, false))
            .as((owner, replace, restarts) -> new PlanPolicy(owner, replace ? Set.of("g1") : Set.of(), restarts));
    return Combinators.combine(specs, observed, Arbitraries.of(true, false), policies).as(Case::new);
  }

  /** Valid specs: the libvirt changeable keys, plus create-time and policy keys and secrets. */
  static Arbitrary<VmSpec> specs() {
    Arbitrary<String> extra =
        Arbitraries.of(
            "", "arch: i686\n", "os_type: linux\n", "protect: true\n", "restart: on_change\n",
            "shutdown_timeout: 2s\n", "vnc_password: " + SECRET + "\n", "user_data: {password: " + SECRET + "}\n",
            "interfaces: [default, br0]\n", "network_model: e1000\n", "ensure: absent\n");
    return Combinators.combine(ManifestArbitraries.libvirtChangeable(), Arbitraries.of("kvm", "qemu"), extra)
        .as((body, type, more) -> {
          String text = ManifestArbitraries.manifest("g1", type, body);
          if (more.startsWith("ensure:")) {
            text = text.replaceAll("(?m)^ensure: .*\n", "");
          }
          return Specs.parse(text + more);
        });
  }

  static Arbitrary<Optional<OwnershipMark>> marks() {
    return Arbitraries.of(
        Optional.<OwnershipMark>empty(),
        Optional.of(new OwnershipMark("me", OwnershipMark.Origin.CREATED, "/m/g1.yaml", "sha256:x")),
        Optional.of(new OwnershipMark("me", OwnershipMark.Origin.ADOPTED, "/elsewhere.yaml", "")),
        Optional.of(new OwnershipMark("someone-else", OwnershipMark.Origin.CREATED, "", "")));
  }

  /** A guest as a driver would report it, with the field values of another generated spec. */
  static ObservedVm observedFrom(VmSpec other, RunState state, Optional<OwnershipMark> mark, long maxMem, int maxCpus, boolean liveDiffers) {
    Map<Field, Object> persistent = new EnumMap<>(Field.class);
    other.managed().forEach((f, v) -> {
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
