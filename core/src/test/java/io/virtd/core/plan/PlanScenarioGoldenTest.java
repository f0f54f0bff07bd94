package io.virtd.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import io.virtd.core.testing.Specs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One plan per kind of step and note (adopt, remove, stop, resume, restart pending, errors,
 * warnings), rendered as text and JSON and compared with golden files written by hand from the
 * documented plan output ({@code docs/cli.md}, {@code docs/plan-json.md}), never produced by this
 * code. {@code @FILE@} in a golden file stands for the manifest's absolute path.
 */
class PlanScenarioGoldenTest {
  private static final String DRIVER = "libvirt qemu:///system";
  private static final String OWNER = "host1";
  private static final long GIB = 1024L * 1024;

  /** A guest as libvirt reports it: persistent and (when running) live values, maxima. */
  private record Guest(
      RunState state,
      Map<Field, Object> persistent,
      Map<Field, Object> live,
      Optional<String> owner,
      String manifest,
      int maxVcpus) {}

  private static Guest guest(RunState state, Map<Field, Object> values) {
    return new Guest(
        state, values, state.isActive() ? values : Map.of(), Optional.of(OWNER), "", 4);
  }

  private static Map<Field, Object> values(Object... pairs) {
    Map<Field, Object> m = new EnumMap<>(Field.class);
    m.put(Field.VIRT_TYPE, VirtType.KVM);
    m.put(Field.MEMORY, GIB);
    m.put(Field.CPUS, 1);
    m.put(Field.AUTOBOOT, true);
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((Field) pairs[i], pairs[i + 1]);
    }
    return m;
  }

  /** The manifests of a scenario and what is found for each name (absent: no guest). */
  private record Scenario(String yaml, Function<String, Map<String, Guest>> found) {}

  private static Scenario scenario(String name) {
    return switch (name) {
      case "adopt" ->
          new Scenario(
              "virt: web01\nvirt_type: kvm\nmemory: 768\n",
              file ->
                  Map.of(
                      "web01",
                      new Guest(RunState.RUNNING, values(), values(), Optional.empty(), "", 4)));
      case "remove" ->
          new Scenario(
              "virt: old01\nvirt_type: kvm\nensure: absent\n",
              file -> Map.of("old01", guest(RunState.RUNNING, values())));
      case "stop" ->
          // autoboot follows ensure: already off, as a stopped guest's is; started by hand
          new Scenario(
              "virt: web01\nvirt_type: kvm\nensure: stopped\n",
              file -> Map.of("web01", guest(RunState.RUNNING, values(Field.AUTOBOOT, false))));
      case "resume" ->
          new Scenario(
              "virt: web01\nvirt_type: kvm\n",
              file -> Map.of("web01", guest(RunState.PAUSED, values())));
      case "restart-pending" -> {
        // the definition has 2 vcpus, the running guest 1 and a maximum of 1: only a restart
        // gives it the second one; web02 allows that restart, web01 does not
        Guest running =
            new Guest(RunState.RUNNING, values(Field.CPUS, 2), values(), Optional.of(OWNER), "", 1);
        yield new Scenario(
            "virt: web01\nvirt_type: kvm\ncpus: 2\n---\n"
                + "virt: web02\nvirt_type: kvm\ncpus: 2\nrestart: on_change\n",
            file -> Map.of("web01", running, "web02", running));
      }
      case "errors" ->
          new Scenario(
              "virt: web01\nvirt_type: kvm\n---\nvirt: old01\nvirt_type: kvm\nensure: absent\n"
                  + "---\nvirt: db01\nvirt_type: kvm\n",
              file ->
                  Map.of(
                      "web01",
                      new Guest(RunState.RUNNING, values(), values(), Optional.of("host2"), "", 4),
                      "old01",
                      new Guest(RunState.SHUTOFF, values(), Map.of(), Optional.empty(), "", 4)));
      case "warnings" ->
          new Scenario(
              "virt: web01\nvirt_type: kvm\nmemory: 768\n---\nvirt: web02\nvirt_type: kvm\n",
              file ->
                  Map.of(
                      "web01",
                      new Guest(
                          RunState.RUNNING,
                          values(),
                          values(),
                          Optional.of(OWNER),
                          "/elsewhere/web01.yaml",
                          4),
                      "web02",
                      new Guest(
                          RunState.RUNNING,
                          values(),
                          values(),
                          Optional.of(OWNER),
                          "/elsewhere/web02.yaml",
                          4)));
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** The plan of a scenario, and the manifest's absolute path. */
  private static Map.Entry<Plan, String> plan(String name) {
    Scenario s = scenario(name);
    DesiredState d = Specs.load(s.yaml());
    String file =
        List.copyOf(d.resources().values()).get(0).file().toAbsolutePath().normalize().toString();
    Map<String, Guest> found = s.found().apply(file);
    List<Planner.Input> inputs = new ArrayList<>();
    for (VmSpec spec : d.resources().values()) {
      if (spec.name().equals("db01") && name.equals("errors")) {
        inputs.add(
            Planner.Input.failed(
                spec,
                DRIVER,
                PlanError.unreadable(
                    spec.name(),
                    DriverException.Kind.TRANSIENT,
                    "cannot connect to qemu:///system: Connection refused")));
        continue;
      }
      Optional<ObservedVm> observed =
          Optional.ofNullable(found.get(spec.name())).map(g -> observed(spec.name(), g, file));
      inputs.add(Planner.Input.of(spec, DRIVER, FakeDriver.capabilities(true), observed));
    }
    return Map.entry(Planner.plan(inputs, PlanPolicy.of(OWNER)), file);
  }

  private static ObservedVm observed(String name, Guest g, String file) {
    Optional<OwnershipMark> mark =
        g.owner()
            .map(
                o ->
                    new OwnershipMark(
                        o,
                        OwnershipMark.Origin.CREATED,
                        g.manifest().isEmpty() ? file : g.manifest(),
                        ""));
    return new ObservedVm(
        name,
        g.state(),
        g.persistent(),
        g.live(),
        mark,
        (Long) g.live().getOrDefault(Field.MEMORY, GIB),
        g.maxVcpus());
  }

  private static String golden(String name, String file) throws IOException {
    try (var in = PlanScenarioGoldenTest.class.getResourceAsStream("/golden/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@FILE@", file);
    }
  }

  static List<String> scenarios() {
    return List.of("adopt", "remove", "stop", "resume", "restart-pending", "errors", "warnings");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void textMatchesTheGoldenFile(String name) throws IOException {
    var p = plan(name);
    assertEquals(
        golden(name + ".txt", p.getValue()), PlanText.render(PlanJson.of(p.getKey())), name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void jsonMatchesTheGoldenFile(String name) throws IOException {
    var p = plan(name);
    assertEquals(
        PlanJson.mapper().readTree(golden(name + ".json", p.getValue())).toPrettyString(),
        PlanJson.of(p.getKey()).toPrettyString(),
        name);
  }
}
