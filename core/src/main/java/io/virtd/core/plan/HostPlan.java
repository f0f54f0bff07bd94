package io.virtd.core.plan;

import io.virtd.core.manifest.HostSpec;
import java.util.List;
import java.util.Optional;

/**
 * What apply would do to one network or pool.
 *
 * @param driver the driver and target, e.g. {@code libvirt qemu:///system}
 * @param steps what apply does, in order; empty when it matches its manifest
 * @param recreateRequired create-time differences (a pool's {@code type}, {@code source}), reported
 *     and never acted on
 * @param restartPending keys that differ on the running resource and need it restarted, which is
 *     done only with {@code restart: on_change}
 * @param guests the running guests a restart cuts off (with {@code restartPending})
 * @param failure why nothing can be planned for it
 */
public record HostPlan(
    HostSpec spec,
    String driver,
    List<HostStep> steps,
    List<HostChange> recreateRequired,
    List<String> restartPending,
    List<String> guests,
    Optional<PlanError> failure) {
  public HostPlan {
    steps = List.copyOf(steps);
    recreateRequired = List.copyOf(recreateRequired);
    restartPending = List.copyOf(restartPending);
    guests = List.copyOf(guests);
  }

  public static HostPlan failed(HostSpec spec, String driver, PlanError failure) {
    return new HostPlan(
        spec, driver, List.of(), List.of(), List.of(), List.of(), Optional.of(failure));
  }

  public String name() {
    return spec.name();
  }

  public Optional<String> error() {
    return failure.map(PlanText::error);
  }

  /** Whether apply has something to do or to report for it. */
  public boolean hasChanges() {
    return !steps.isEmpty() || !recreateRequired.isEmpty() || !restartPending.isEmpty();
  }

  public boolean has(Class<? extends HostStep> kind) {
    return steps.stream().anyMatch(kind::isInstance);
  }

  public boolean has(Step.Action action) {
    return steps.contains(new HostStep.Lifecycle(action));
  }

  /** Whether it goes away: planned after the guests that may still use it. */
  public boolean removes() {
    return has(HostStep.Remove.class);
  }
}
