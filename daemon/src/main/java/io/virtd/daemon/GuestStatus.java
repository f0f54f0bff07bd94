package io.virtd.daemon;

import io.virtd.core.control.Comparison;
import io.virtd.core.control.GuestState.Difference;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.ObservedVm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code virtctl status} shows for one guest: the outcome of its last reconcile.
 *
 * @param observed how the guest compares with its manifest: {@code as desired}, {@code differs},
 *     {@code unknown} (it could not be read or planned)
 * @param driver the driver and target the guest lives on, as {@link DriverHealth} labels it
 * @param state the guest's run state as last read ({@code running}, {@code shutoff}, …), {@code
 *     missing} when it does not exist, {@code unknown} when it could not be read
 * @param differs what the last plan found different from the manifest, one entry per field (empty
 *     when in sync or when the guest could not be planned)
 * @param addresses the guest's addresses per NIC as last read (empty list: none, or no guest);
 *     {@link Optional#empty()} when unknown
 */
public record GuestStatus(
    String name,
    String desired,
    Comparison observed,
    String lastResult,
    Instant at,
    List<String> restartPending,
    Optional<String> lastError,
    int retries,
    boolean held,
    String driver,
    String state,
    List<Difference> differs,
    Optional<List<GuestAddress>> addresses) {

  public GuestStatus {
    restartPending = List.copyOf(restartPending);
    differs = List.copyOf(differs);
  }

  /** The addresses a plan read: none for a missing guest, unknown when it could not be read. */
  static Optional<List<GuestAddress>> addresses(ResourcePlan plan, Optional<ObservedVm> guest) {
    if (guest.isPresent()) {
      return guest.get().addresses();
    }
    return plan.failure().isPresent() ? Optional.empty() : Optional.of(List.of());
  }

  /** What {@code plan} would change on {@code guest}, field by field, without repeats. */
  public static List<Difference> differences(ResourcePlan plan, Optional<ObservedVm> guest) {
    String ensure = plan.spec().ensure().key();
    String found = guest.map(g -> g.state().key()).orElse("missing");
    List<Difference> out = new ArrayList<>();
    for (Step step : plan.steps()) {
      if (step instanceof Step.Update u) {
        u.changes().forEach(c -> out.add(of(c)));
      } else if (step instanceof Step.Replace r) {
        r.forcedBy().forEach(c -> out.add(of(c)));
      } else if (step instanceof Step.Reown r) {
        out.add(new Difference("owner", r.owner(), r.formerOwner()));
      } else if (step instanceof Step.Create
          || step instanceof Step.Remove
          || step instanceof Step.Lifecycle l && l.action() != Step.Action.RESTART) {
        out.add(new Difference("ensure", ensure, found));
      } // adopting marks a guest that matches; a restart's fields are in restart_pending
    }
    plan.recreateRequired().forEach(c -> out.add(of(c)));
    return out.stream().distinct().toList();
  }

  private static Difference of(FieldChange c) {
    return new Difference(
        c.field().key(), PlanJson.text(c.field(), c.after()), PlanJson.text(c.field(), c.before()));
  }
}
