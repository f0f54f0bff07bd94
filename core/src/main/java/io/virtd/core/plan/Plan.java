package io.virtd.core.plan;

import java.util.List;

/**
 * The plan for every resource, in manifest order; a plain value that plan prints and apply runs.
 *
 * @param resources the guests
 * @param hosts the networks and pools: those that stay are carried out before the guests, those
 *     removed after them ({@link #hostsBefore()}, {@link #hostsAfter()})
 */
public record Plan(List<ResourcePlan> resources, List<HostPlan> hosts) {
  public Plan {
    resources = List.copyOf(resources);
    hosts = List.copyOf(hosts);
  }

  /** Guests only. */
  public Plan(List<ResourcePlan> resources) {
    this(resources, List.of());
  }

  /** The networks and pools to bring up or change before the guests that may use them. */
  public List<HostPlan> hostsBefore() {
    return hosts.stream().filter(h -> !h.removes()).toList();
  }

  /** The networks and pools to remove once the guests are done. */
  public List<HostPlan> hostsAfter() {
    return hosts.stream().filter(HostPlan::removes).toList();
  }

  /** Counts as the summary line prints them. */
  public record Summary(
      int create,
      int change,
      int start,
      int stop,
      int resume,
      int restart,
      int remove,
      int recreate,
      int restartPending,
      int errors) {}

  public Summary summary() {
    int create = 0, change = 0, start = 0, stop = 0, resume = 0, restart = 0, remove = 0;
    int recreate = 0, pending = 0, errors = 0;
    for (ResourcePlan r : resources) {
      if (r.failure().isPresent()) {
        errors++;
        continue;
      }
      if (r.has(Step.Create.class)) {
        create++;
      }
      if (r.has(Step.Update.class) || r.has(Step.Adopt.class) || r.has(Step.Reown.class)) {
        change++;
      }
      if (r.has(Step.Action.START)
          && !r.has(Step.Create.class)) { // "+ create (..., ensure running)" says it
        start++;
      }
      if (r.has(Step.Action.STOP)) {
        stop++;
      }
      if (r.has(Step.Action.RESUME)) {
        resume++;
      }
      if (r.has(Step.Action.RESTART)) {
        restart++;
      }
      if (r.has(Step.Remove.class)) {
        remove++;
      }
      if (r.has(Step.Replace.class) || !r.recreateRequired().isEmpty()) {
        recreate++;
      }
      if (!r.restartPending().isEmpty()) {
        pending++;
      }
    }
    for (HostPlan h : hosts) {
      if (h.failure().isPresent()) {
        errors++;
        continue;
      }
      create += h.has(HostStep.Create.class) ? 1 : 0;
      change += h.has(HostStep.Update.class) || h.has(HostStep.Adopt.class) ? 1 : 0;
      start += h.has(Step.Action.START) && !h.has(HostStep.Create.class) ? 1 : 0;
      stop += h.has(Step.Action.STOP) ? 1 : 0;
      restart += h.has(Step.Action.RESTART) ? 1 : 0;
      remove += h.removes() ? 1 : 0;
      recreate += h.recreateRequired().isEmpty() ? 0 : 1;
      pending += h.restartPending().isEmpty() || h.has(Step.Action.RESTART) ? 0 : 1;
    }
    return new Summary(
        create, change, start, stop, resume, restart, remove, recreate, pending, errors);
  }

  /** Whether apply would act, or a create-time difference waits: {@code plan} exits 2. */
  public boolean hasChanges() {
    return resources.stream().anyMatch(r -> r.failure().isEmpty() && r.hasChanges())
        || hosts.stream().anyMatch(h -> h.failure().isEmpty() && h.hasChanges());
  }

  public boolean hasErrors() {
    return resources.stream().anyMatch(r -> r.failure().isPresent())
        || hosts.stream().anyMatch(h -> h.failure().isPresent());
  }
}
