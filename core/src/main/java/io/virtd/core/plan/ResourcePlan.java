package io.virtd.core.plan;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import java.util.List;
import java.util.Optional;

/**
 * What apply would do to one resource.
 *
 * @param driver the driver and target, e.g. {@code libvirt qemu:///system}
 * @param steps what apply does, in order; empty when the guest matches its manifest
 * @param recreateRequired create-time differences apply will not settle without {@code --replace}
 * @param restartPending fields the running guest will only get at its next boot
 * @param failure why nothing can be planned for this resource (driver unavailable, owned by
 *     another, a refusal)
 * @param cautions things the operator should know that do not stop the plan
 */
public record ResourcePlan(
    VmSpec spec,
    String driver,
    List<Step> steps,
    List<FieldChange> recreateRequired,
    List<Field> restartPending,
    Optional<PlanError> failure,
    List<PlanWarning> cautions) {

  public ResourcePlan {
    steps = List.copyOf(steps);
    recreateRequired = List.copyOf(recreateRequired);
    restartPending = List.copyOf(restartPending);
    cautions = List.copyOf(cautions);
  }

  /** Nothing can be planned: the guest could not be read, or virtd refuses what it asks. */
  public static ResourcePlan failed(VmSpec spec, String driver, PlanError failure) {
    return new ResourcePlan(
        spec, driver, List.of(), List.of(), List.of(), Optional.of(failure), List.of());
  }

  /** {@link #cautions()} as people read them. */
  public List<String> warnings() {
    return cautions.stream().map(PlanText::warning).toList();
  }

  /** {@link #failure()} as people read it. */
  public Optional<String> error() {
    return failure.map(PlanText::error);
  }

  /**
   * Whether {@link #failure()} is a refusal: the manifest asks for what virtd will not do (act on
   * another owner's guest, remove a protected guest or one it does not manage), so trying again
   * cannot help until the manifest, the policy or the guest's mark changes.
   */
  public boolean refused() {
    return failure.map(PlanError::refusal).orElse(false);
  }

  public String name() {
    return spec.name();
  }

  /** Whether apply has something to do or to report for this resource. */
  public boolean hasChanges() {
    return !steps.isEmpty() || !recreateRequired.isEmpty();
  }

  public boolean has(Class<? extends Step> kind) {
    return steps.stream().anyMatch(kind::isInstance);
  }

  public boolean has(Step.Action action) {
    return steps.contains(new Step.Lifecycle(action));
  }
}
