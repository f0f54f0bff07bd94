package io.virtd.core.plan;

import java.util.List;

/**
 * The plan for every resource, in manifest order; a plain value that plan prints and apply runs.
 */
public record Plan(List<ResourcePlan> resources) {
  public Plan {
    resources = List.copyOf(resources);
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
    return new Summary(
        create, change, start, stop, resume, restart, remove, recreate, pending, errors);
  }

  /** Whether apply would act, or a create-time difference waits: {@code plan} exits 2. */
  public boolean hasChanges() {
    return resources.stream().anyMatch(r -> r.failure().isEmpty() && r.hasChanges());
  }

  public boolean hasErrors() {
    return resources.stream().anyMatch(r -> r.failure().isPresent());
  }
}
