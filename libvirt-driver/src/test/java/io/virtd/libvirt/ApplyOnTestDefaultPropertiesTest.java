package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.apply.Apply;
import io.virtd.core.apply.ApplyEvent;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.apply.Planning;
import io.virtd.core.config.Config;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.spi.Drivers;
import io.virtd.core.testing.ManifestGen;
import io.virtd.core.testing.PropertyCases;
import io.virtd.core.testing.Specs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against libvirt's embedded test hypervisor (the real libvirt library and its XML handling, no
 * fake): a guest created from one generated manifest, then changed to a second one, reads back as
 * its manifest every time — the plan computed after apply is empty. Property test over seeded
 * pseudo-random manifests ({@link PropertyCases}).
 */
class ApplyOnTestDefaultPropertiesTest {
  static final int TRIES = 50;
  static final String URI = "test:///default";
  static final String PREFIX = "prop-" + ProcessHandle.current().pid() + "-";
  static final AtomicInteger SEQ = new AtomicInteger();
  static Path locks;
  static Drivers drivers;

  @BeforeAll
  static void open() throws Exception {
    locks = Files.createTempDirectory("virtd-prop-locks");
    drivers = new Drivers(Config.defaults().withConnect(URI));
  }

  @AfterAll
  static void close() throws Exception {
    DomainCleaner.removeAll(URI, PREFIX);
    drivers.close();
    try (var files = Files.walk(locks)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  record Bodies(Map<String, String> first, Map<String, String> second) {}

  @Test
  void whatApplyWroteReadsBackAsTheManifest() {
    PropertyCases.forAll(
        "what apply wrote reads back as the manifest",
        TRIES,
        g -> new Bodies(g.libvirtChangeable(), g.libvirtChangeable()),
        Bodies::toString,
        b -> {
          try {
            createThenChange(b.first(), b.second());
          } finally {
            DomainCleaner.removeAll(URI, PREFIX);
          }
        });
  }

  private static void createThenChange(Map<String, String> first, Map<String, String> second) {
    String name = PREFIX + SEQ.incrementAndGet();
    boolean created = false;
    for (Map<String, String> body : List.of(first, second)) {
      VmSpec spec = Specs.parse(ManifestGen.manifest(name, "kvm", body) + "shutdown_timeout: 1s\n");
      PlanPolicy policy = PlanPolicy.of("prop-host");
      var plan = Planning.plan(List.of(spec), drivers, policy);
      assertEquals(
          !created,
          plan.resources().get(0).has(io.virtd.core.plan.Step.Create.class),
          plan::toString);
      created = true;
      List<ApplyEvent> events = new ArrayList<>();
      Apply.Result r =
          Apply.run(
              plan,
              drivers,
              new Executor("prop-host", new GuestLocks(locks), Duration.ofSeconds(5)),
              policy,
              events::add);
      String context =
          "manifest:\n"
              + ManifestGen.manifest(name, "kvm", body)
              + "events: "
              + events
              + "\nresult: "
              + r;
      assertEquals(List.of(), r.failed(), context);
      assertEquals(List.of(), r.inconsistent(), context);
      assertFalse(r.after().hasChanges(), context);
      assertTrue(r.exitCode() == 0 || r.exitCode() == 3, context);
    }
  }
}
