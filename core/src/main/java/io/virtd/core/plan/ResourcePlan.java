package io.virtd.core.plan;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
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
 * @param observed the guest as it was read for this plan (its run state and addresses), empty when
 *     it does not exist or could not be read; shown, never decided on
 */
public record ResourcePlan(
    VmSpec spec,
    String driver,
    List<Step> steps,
    List<FieldChange> recreateRequired,
    List<Field> restartPending,
    Optional<PlanError> failure,
    List<PlanWarning> cautions,
    Optional<Observed> observed) {

  public ResourcePlan {
    steps = List.copyOf(steps);
    recreateRequired = List.copyOf(recreateRequired);
    restartPending = List.copyOf(restartPending);
    cautions = List.copyOf(cautions);
  }

  /** A plan whose guest's observed state is not shown. */
  public ResourcePlan(
      VmSpec spec,
      String driver,
      List<Step> steps,
      List<FieldChange> recreateRequired,
      List<Field> restartPending,
      Optional<PlanError> failure,
      List<PlanWarning> cautions) {
    this(
        spec, driver, steps, recreateRequired, restartPending, failure, cautions, Optional.empty());
  }

  /**
   * What the plan shows of the guest as read: its run state and its addresses per NIC ({@link
   * Optional#empty()}: unknown). Nothing here is compared with the manifest.
   */
  public record Observed(RunState state, Optional<List<GuestAddress>> addresses) {
    public static Observed of(ObservedVm vm) {
      return new Observed(vm.state(), vm.addresses());
    }
  }

  /** This plan, showing {@code observed}. */
  public ResourcePlan withObserved(Optional<Observed> observed) {
    return new ResourcePlan(
        spec, driver, steps, recreateRequired, restartPending, failure, cautions, observed);
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
