package io.virtd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.control.Comparison;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.Mutability;
import io.virtd.daemon.GuestStatus;
import io.virtd.daemon.ReconcileEvents.Outcome;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the reconcile loop's events make of the metrics. */
class MetricsTest {
  final Metrics metrics = new Metrics();

  static VmSpec spec(long memoryKib) {
    return new VmSpec(
        "web01",
        Map.of(Field.VIRT_TYPE, VirtType.KVM, Field.MEMORY, memoryKib),
        Path.of("/m/web01.yaml"),
        Pos.START);
  }

  static ResourcePlan plan(VmSpec spec, Step... steps) {
    return new ResourcePlan(
        spec,
        "libvirt test:///default",
        List.of(steps),
        List.of(),
        List.of(),
        Optional.empty(),
        List.of());
  }

  static Step memory(long from, long to) {
    return new Step.Update(List.of(new FieldChange(Field.MEMORY, from, to, Mutability.LIVE)));
  }

  String scrape() throws Exception {
    var out = new ByteArrayOutputStream();
    metrics.write(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aManifestEditIsNoDriftAndAnOutOfBandChangeCountsOnce() throws Exception {
    metrics.planned(plan(spec(1024)));
    metrics.reconciled("web01", Outcome.NOOP, Duration.ofMillis(5));
    // the manifest changes: the plan differs, but nobody changed the guest behind our back
    metrics.planned(plan(spec(2048), memory(1024, 2048)));
    metrics.reconciled("web01", Outcome.OK, Duration.ofMillis(50));
    assertFalse(scrape().contains("virtd_drift_detected_total{"), scrape());
    // now the guest changes under an unchanged manifest, and its fix fails twice
    for (int i = 0; i < 3; i++) {
      metrics.planned(plan(spec(2048), memory(1024, 2048), new Step.Lifecycle(Step.Action.START)));
      metrics.reconciled("web01", i < 2 ? Outcome.FAILED : Outcome.OK, Duration.ofMillis(50));
    }
    String text = scrape();
    assertTrue(text.contains("virtd_drift_detected_total{field=\"memory\"} 1.0\n"), text);
    assertTrue(text.contains("virtd_drift_detected_total{field=\"ensure\"} 1.0\n"), text);
    assertTrue(text.contains("virtd_reconcile_total{result=\"failed\"} 2.0\n"), text);
    assertTrue(text.contains("virtd_reconcile_total{result=\"ok\"} 2.0\n"), text);
    assertTrue(text.contains("virtd_reconcile_total{result=\"noop\"} 1.0\n"), text);
    assertTrue(text.contains("virtd_reconcile_duration_seconds_count 5\n"), text);
  }

  @Test
  void guestsAreCountedByStateAndAForgottenGuestLeaves() throws Exception {
    Instant at = Instant.parse("2026-12-05T10:00:00Z");
    var ok =
        new GuestStatus(
            "a",
            "running",
            Comparison.AS_DESIRED,
            "in sync",
            at,
            List.of(),
            Optional.empty(),
            0,
            false,
            "libvirt qemu:///system",
            "running",
            List.of(),
            Optional.empty());
    var drifted =
        new GuestStatus(
            "b",
            "running",
            Comparison.DIFFERS,
            "applied",
            at,
            List.of("cpus"),
            Optional.empty(),
            0,
            false,
            "libvirt qemu:///system",
            "running",
            List.of(),
            Optional.empty());
    var failed =
        new GuestStatus(
            "c",
            "stopped",
            Comparison.DIFFERS,
            "error",
            at,
            List.of(),
            Optional.of("boom"),
            3,
            false,
            "libvirt qemu:///system",
            "shutoff",
            List.of(),
            Optional.empty());
    var held =
        new GuestStatus(
            "d",
            "running",
            Comparison.AS_DESIRED,
            "held",
            at,
            List.of(),
            Optional.empty(),
            0,
            true,
            "libvirt qemu:///system",
            "running",
            List.of(),
            Optional.empty());
    List.of(ok, drifted, failed, held).forEach(metrics::status);
    String text = scrape();
    assertTrue(text.contains("virtd_guests{desired=\"running\",state=\"in_sync\"} 1.0\n"), text);
    assertTrue(text.contains("virtd_guests{desired=\"running\",state=\"drifted\"} 1.0\n"), text);
    assertTrue(text.contains("virtd_guests{desired=\"stopped\",state=\"failed\"} 1.0\n"), text);
    assertTrue(text.contains("virtd_guests{desired=\"running\",state=\"held\"} 1.0\n"), text);
    assertTrue(text.contains("virtd_guest_in_sync{name=\"a\"} 1.0\n"), text);
    assertTrue(text.contains("virtd_guest_in_sync{name=\"d\"} 0.0\n"), text);
    assertTrue(text.contains("virtd_restart_pending{name=\"b\"} 1.0\n"), text);
    metrics.forgotten("a");
    text = scrape();
    assertFalse(text.contains("name=\"a\""), text);
    assertTrue(text.contains("virtd_guests{desired=\"running\",state=\"in_sync\"} 0.0\n"), text);
    assertEquals(Metrics.State.FAILED, Metrics.state(failed));
  }
}
