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
 * @param error why nothing can be planned for this resource (driver unavailable, owned by another)
 * @param warnings things the operator should know that do not stop the plan
 * @param refused whether {@code error} is a refusal: the manifest asks for what virtd will not do
 *     (act on another owner's guest, remove a protected guest or one it does not manage), so trying
 *     again cannot help until the manifest, the policy or the guest's mark changes
 */
public record ResourcePlan(
    VmSpec spec,
    String driver,
    List<Step> steps,
    List<FieldChange> recreateRequired,
    List<Field> restartPending,
    Optional<String> error,
    List<String> warnings,
    boolean refused) {

  public ResourcePlan {
    steps = List.copyOf(steps);
    recreateRequired = List.copyOf(recreateRequired);
    restartPending = List.copyOf(restartPending);
    warnings = List.copyOf(warnings);
  }

  /** A plan that is not a refusal. */
  public ResourcePlan(
      VmSpec spec,
      String driver,
      List<Step> steps,
      List<FieldChange> recreateRequired,
      List<Field> restartPending,
      Optional<String> error,
      List<String> warnings) {
    this(spec, driver, steps, recreateRequired, restartPending, error, warnings, false);
  }

  /** Nothing could be planned: the guest could not be read, or its driver is not available. */
  public static ResourcePlan failed(VmSpec spec, String driver, String error) {
    return new ResourcePlan(
        spec, driver, List.of(), List.of(), List.of(), Optional.of(error), List.of());
  }

  /** The manifest asks for what virtd will not do; see {@link #refused()}. */
  public static ResourcePlan refused(VmSpec spec, String driver, String why) {
    return new ResourcePlan(
        spec, driver, List.of(), List.of(), List.of(), Optional.of(why), List.of(), true);
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
