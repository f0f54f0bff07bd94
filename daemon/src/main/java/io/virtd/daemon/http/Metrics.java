package io.virtd.daemon.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.Drivers;
import io.virtd.daemon.Control;
import io.virtd.daemon.GuestStatus;
import io.virtd.daemon.ReconcileEvents;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The daemon's Prometheus metrics, fed by the reconcile loop's own events (nothing here asks a
 * hypervisor anything). One instance outlives configuration reloads, as the counters must.
 */
public final class Metrics implements ReconcileEvents {
  /** {@code virtd_guests}'s {@code state} label: what an operator has to do about the guest. */
  enum State {
    IN_SYNC,
    DRIFTED,
    FAILED,
    HELD,
    UNKNOWN;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);

  private final Gauge guests =
      Gauge.builder()
          .name("virtd_guests")
          .help(
              "Managed guests by state (in_sync, drifted, failed, held, unknown) and desired ensure")
          .labelNames("state", "desired")
          .register(registry);
  private final Gauge inSync =
      Gauge.builder()
          .name("virtd_guest_in_sync")
          .help("1 when the guest matches its manifest and needs no attention, else 0")
          .labelNames("name")
          .register(registry);
  private final Gauge restartPending =
      Gauge.builder()
          .name("virtd_restart_pending")
          .help("Fields the guest gets only at its next boot")
          .labelNames("name")
          .register(registry);
  private final Counter reconciles =
      Counter.builder()
          .name("virtd_reconcile_total")
          .help("Reconciles by result: ok (steps carried out), failed, noop (already in sync)")
          .labelNames("result")
          .register(registry);
  private final Histogram duration =
      Histogram.builder()
          .name("virtd_reconcile_duration_seconds")
          .help("How long one guest's reconcile took, planning and steps included")
          .classicOnly()
          .classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
          .register(registry);
  private final Counter drift =
      Counter.builder()
          .name("virtd_drift_detected_total")
          .help(
              "Fields found changed out of band on a guest that had matched an unchanged manifest")
          .labelNames("field")
          .register(registry);
  private final Gauge driverUp =
      Gauge.builder()
          .name("virtd_driver_up")
          .help("1 while the driver target answers, 0 while it is down")
          .labelNames("driver", "target")
          .register(registry);
  private final Gauge queueDepth =
      Gauge.builder()
          .name("virtd_queue_depth")
          .help("Guests waiting in the work queue")
          .register(registry);
  private final Gauge manifestProblems =
      Gauge.builder()
          .name("virtd_manifest_problems")
          .help("Problems (errors and warnings) found in the manifests at the last reload")
          .register(registry);
  private final Gauge lastFullPass =
      Gauge.builder()
          .name("virtd_last_full_pass_timestamp_seconds")
          .help("When the last full reconcile pass began (Unix time)")
          .register(registry);

  private final Map<String, GuestStatus> statuses = new HashMap<>();
  private final Set<List<String>> guestLabels = new HashSet<>();
  private final Map<String, VmSpec> planning = new HashMap<>();

  /** Each guest's desired state when it last matched it: a later difference is drift. */
  private final Map<String, VmSpec> settled = new HashMap<>();

  private volatile Instant lastPass;

  public Metrics() {
    JvmMetrics.builder().register(registry);
    for (Outcome o : Outcome.values()) {
      reconciles.initLabelValues(o.name().toLowerCase(Locale.ROOT));
    }
  }

  /** The text exposition format, version 0.0.4. */
  public void write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }

  public String contentType() {
    return writer.getContentType();
  }

  /** When the last full pass began. */
  public Optional<Instant> lastFullPass() {
    return Optional.ofNullable(lastPass);
  }

  @Override
  public synchronized void planned(ResourcePlan plan) {
    String name = plan.name();
    planning.put(name, plan.spec());
    if (plan.failure().isPresent() || plan.steps().isEmpty()) {
      return;
    }
    if (plan.spec().equals(settled.get(name))) {
      driftedFields(plan).forEach(f -> drift.labelValues(f).inc());
      settled.remove(name); // one drift is counted once, however many retries it takes
    }
  }

  /**
   * The fields the plan's steps change; a lifecycle step, a create or a remove is {@code ensure}.
   */
  static Set<String> driftedFields(ResourcePlan plan) {
    Set<String> fields = new LinkedHashSet<>();
    for (Step s : plan.steps()) {
      List<FieldChange> changes =
          s instanceof Step.Update u
              ? u.changes()
              : s instanceof Step.Replace r ? r.forcedBy() : List.of();
      changes.forEach(c -> fields.add(c.field().key()));
      if (s instanceof Step.Lifecycle || s instanceof Step.Create || s instanceof Step.Remove) {
        fields.add(Field.ENSURE.key());
      }
    }
    return fields;
  }

  @Override
  public synchronized void reconciled(String name, Outcome outcome, Duration took) {
    reconciles.labelValues(outcome.name().toLowerCase(Locale.ROOT)).inc();
    duration.observe(took.toNanos() / 1e9);
    VmSpec spec = planning.remove(name);
    if (spec != null && outcome != Outcome.FAILED) {
      settled.put(name, spec);
    }
  }

  @Override
  public synchronized void status(GuestStatus s) {
    statuses.put(s.name(), s);
    inSync.labelValues(s.name()).set(state(s) == State.IN_SYNC ? 1 : 0);
    restartPending.labelValues(s.name()).set(s.restartPending().size());
    countGuests();
  }

  @Override
  public synchronized void forgotten(String name) {
    statuses.remove(name);
    settled.remove(name);
    planning.remove(name);
    inSync.remove(name);
    restartPending.remove(name);
    countGuests();
  }

  static State state(GuestStatus s) {
    return State.valueOf(StatusPage.state(Control.guestState(s)).toUpperCase(Locale.ROOT));
  }

  private void countGuests() {
    Map<List<String>, Integer> counts = new HashMap<>();
    statuses
        .values()
        .forEach(s -> counts.merge(List.of(state(s).label(), s.desired()), 1, Integer::sum));
    guestLabels.addAll(counts.keySet());
    for (List<String> labels : guestLabels) {
      guests.labelValues(labels.toArray(String[]::new)).set(counts.getOrDefault(labels, 0));
    }
  }

  @Override
  public void driver(Drivers.Target target, boolean up) {
    driverUp.labelValues(target.kind().toString(), target.uri()).set(up ? 1 : 0);
  }

  @Override
  public void queueDepth(int depth) {
    queueDepth.set(depth);
  }

  @Override
  public void manifestProblems(int count) {
    manifestProblems.set(count);
  }

  @Override
  public void fullPass(Instant at) {
    lastPass = at;
    lastFullPass.set(at.toEpochMilli() / 1000.0);
  }
}
