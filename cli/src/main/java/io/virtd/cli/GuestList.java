package io.virtd.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.SafeText;
import io.virtd.core.plan.HostPlan;
import io.virtd.core.plan.HostPlanner;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.ObservedVm;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rows of {@code virtctl list}, made from what was read and planned (no I/O), as a table or as
 * one JSON document ({@code "format_version": 1}).
 */
final class GuestList {
  private GuestList() {}

  /**
   * One guest.
   *
   * @param desired the manifest's {@code ensure}, or {@code unmanaged} for a guest no manifest
   *     names
   * @param state the observed run state, {@code missing}, or {@code unknown} (hypervisor unread)
   * @param pending the number of changes apply would make; -1 for an unmanaged guest or one that
   *     cannot be planned
   * @param addresses each NIC's addresses with their source; empty when unknown
   * @param error why the guest could not be planned
   */
  record Row(
      String name,
      String hypervisor,
      String desired,
      String state,
      int pending,
      List<String> restartPending,
      Optional<List<GuestAddress>> addresses,
      Optional<String> error) {
    boolean managed() {
      return !desired.equals(UNMANAGED);
    }

    /** {@code in sync}, {@code 2 pending}, {@code error} or {@code -} (unmanaged). */
    String sync() {
      if (error.isPresent()) {
        return "error";
      }
      if (!managed()) {
        return "-";
      }
      return pending == 0 ? "in sync" : pending + " pending";
    }
  }

  static final String UNMANAGED = "unmanaged";

  /** The rows of every resource of the surveys, then (with {@code all}) the unmanaged guests. */
  static List<Row> rows(List<Planning.Survey> surveys, boolean all) {
    List<Row> out = new ArrayList<>();
    for (Planning.Survey s : surveys) {
      Set<String> named = new HashSet<>();
      for (Planning.Planned p : s.planned()) {
        named.add(p.plan().name());
        out.add(managed(s, p));
      }
      if (all) {
        s.guests().values().stream()
            .filter(vm -> !named.contains(vm.name()))
            .sorted(java.util.Comparator.comparing(ObservedVm::name))
            .forEach(
                vm ->
                    out.add(
                        new Row(
                            vm.name(),
                            s.target().label(),
                            UNMANAGED,
                            vm.state().key(),
                            -1,
                            List.of(),
                            vm.addresses(),
                            Optional.empty())));
      }
    }
    return out;
  }

  private static Row managed(Planning.Survey s, Planning.Planned p) {
    ResourcePlan plan = p.plan();
    String state =
        p.guest()
            .map(vm -> vm.state().key())
            .orElse(s.failure().isPresent() ? "unknown" : "missing");
    return new Row(
        plan.name(),
        s.target().label(),
        plan.spec().ensure().key(),
        state,
        plan.failure().isPresent() ? -1 : pending(plan),
        plan.restartPending().stream().map(Field::key).toList(),
        p.guest()
            .map(ObservedVm::addresses)
            .orElse(s.failure().isPresent() ? Optional.empty() : Optional.of(List.of())),
        plan.error());
  }

  /**
   * The networks and pools of one hypervisor ({@code observed}, by kind then name), as rows named
   * {@code network/NAME} and {@code pool/NAME}: state {@code active} or {@code inactive}; desired
   * the {@code ensure} of the manifest declaring it ({@code declared}, planned for its pending
   * changes), else {@code unmanaged}. A declared one the hypervisor lacks is {@code missing}.
   */
  static List<Row> hostRows(
      String hypervisor,
      Map<HostSpec.Kind, Map<String, ObservedHost>> observed,
      List<HostSpec> declared,
      PlanPolicy policy) {
    List<Row> out = new ArrayList<>();
    for (HostSpec.Kind kind : HostSpec.Kind.values()) {
      Map<String, ObservedHost> found = observed.getOrDefault(kind, Map.of());
      Set<String> names = new java.util.TreeSet<>(found.keySet());
      declared.stream().filter(h -> h.kind() == kind).forEach(h -> names.add(h.name()));
      for (String name : names) {
        Optional<ObservedHost> o = Optional.ofNullable(found.get(name));
        Optional<HostSpec> spec =
            declared.stream().filter(h -> h.kind() == kind && h.name().equals(name)).findFirst();
        String state = o.map(h -> h.active() ? "active" : "inactive").orElse("missing");
        if (spec.isEmpty()) {
          out.add(
              new Row(
                  kind.key() + "/" + name,
                  hypervisor,
                  UNMANAGED,
                  state,
                  -1,
                  List.of(),
                  Optional.of(List.of()),
                  Optional.empty()));
          continue;
        }
        HostPlan plan = HostPlanner.plan(HostPlanner.Input.of(spec.get(), hypervisor, o), policy);
        out.add(
            new Row(
                spec.get().address(),
                hypervisor,
                spec.get().ensure().key(),
                state,
                plan.failure().isPresent()
                    ? -1
                    : plan.steps().size() + plan.recreateRequired().size(),
                plan.restartPending(),
                Optional.of(List.of()),
                plan.error()));
      }
    }
    return out;
  }

  /** What apply would do, counted: each changed field, and each other step as one. */
  static int pending(ResourcePlan plan) {
    int n = plan.recreateRequired().size();
    for (Step step : plan.steps()) {
      n += step instanceof Step.Update u ? u.changes().size() : 1;
    }
    return n;
  }

  static String text(List<Row> rows) {
    String format = "%-24s %-28s %-10s %-11s %-10s %-16s %s%n";
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            format, "NAME", "HYPERVISOR", "DESIRED", "STATE", "SYNC", "RESTART", "ADDRESSES"));
    for (Row r : rows) {
      b.append(
          String.format(
              format,
              r.name(),
              SafeText.of(r.hypervisor()),
              r.desired(),
              r.state(),
              r.sync(),
              r.restartPending().isEmpty() ? "-" : String.join(",", r.restartPending()),
              r.addresses().map(GuestAddress::text).orElse("unknown")));
    }
    return b.toString();
  }

  static ObjectNode json(List<Row> rows, List<String> unreadable) {
    ObjectNode root = PlanJson.mapper().createObjectNode();
    root.put("format_version", 1);
    ArrayNode guests = root.putArray("guests");
    for (Row r : rows) {
      ObjectNode g = guests.addObject();
      g.put("name", r.name());
      g.put("hypervisor", r.hypervisor());
      g.put("managed", r.managed());
      g.put("desired", r.desired());
      g.put("state", r.state());
      if (r.managed() && r.error().isEmpty()) {
        g.put("in_sync", r.pending() == 0);
        g.put("pending_changes", r.pending());
      } else {
        g.putNull("in_sync");
        g.putNull("pending_changes");
      }
      ArrayNode restart = g.putArray("restart_pending");
      r.restartPending().forEach(restart::add);
      g.set("addresses", PlanJson.addresses(r.addresses()));
      if (r.error().isPresent()) {
        g.put("error", r.error().get());
      } else {
        g.putNull("error");
      }
    }
    ArrayNode bad = root.putArray("unreadable");
    unreadable.forEach(bad::add);
    return root;
  }
}
