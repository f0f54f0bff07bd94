package io.virtd.daemon;

import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.Drivers;
import java.time.Duration;
import java.time.Instant;

/**
 * What the reconcile loop tells whoever watches it (the metrics): called by the reconciler, the
 * work queue and the driver health checks as things happen, so nothing polls a hypervisor to report
 * on it. Calls come from many threads and must return at once.
 */
public interface ReconcileEvents {
  /** How one reconcile of one guest ended. */
  enum Outcome {
    /** Steps were carried out and the guest matches its manifest. */
    OK,
    /** Planning or a step failed, or the guest still differs after apply. */
    FAILED,
    /** The guest already matched its manifest: nothing to do. */
    NOOP
  }

  ReconcileEvents NONE = new ReconcileEvents() {};

  /** The plan a reconcile made before acting (its steps are what differs now). */
  default void planned(ResourcePlan plan) {}

  /** A reconcile ended so, after {@code took}. */
  default void reconciled(String name, Outcome outcome, Duration took) {}

  /** The guest's status as {@code virtctl status} shows it changed. */
  default void status(GuestStatus status) {}

  /** The guest is no longer managed (its manifest is gone): forget it. */
  default void forgotten(String name) {}

  /** A driver target was found up or down. */
  default void driver(Drivers.Target target, boolean up) {}

  /** Keys waiting in the work queue (not running). */
  default void queueDepth(int depth) {}

  /** Problems found in the manifests at the last reload. */
  default void manifestProblems(int count) {}

  /** A full pass began. */
  default void fullPass(Instant at) {}
}
