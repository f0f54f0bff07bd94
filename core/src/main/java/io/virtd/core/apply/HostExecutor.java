package io.virtd.core.apply;

import io.virtd.core.manifest.HostSpec;
import io.virtd.core.plan.HostPlan;
import io.virtd.core.plan.HostStep;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.HostResources;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.OwnershipMark;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Carries out a network's or pool's planned steps, reporting each as it finishes (named by its
 * address, {@code network/backend}). It decides nothing: a failing step ends that resource's steps.
 */
final class HostExecutor {
  private final String owner;

  HostExecutor(String owner) {
    this.owner = owner;
  }

  /** Whether every step succeeded. */
  boolean run(HostPlan plan, HostResources driver, Consumer<ApplyEvent> events) {
    HostSpec spec = plan.spec();
    if (plan.failure().isPresent()) {
      events.accept(StepRunner.planFailed(spec.address(), plan.driver(), plan.error()));
      return false;
    }
    boolean adopting = plan.has(HostStep.Adopt.class);
    StepRunner.End end =
        StepRunner.run(
            spec.address(),
            plan.driver(),
            plan.steps(),
            HostStep::key,
            Executor.Gate.OPEN,
            step -> {
              perform(step, spec, driver, adopting);
              return Optional.empty();
            },
            events);
    return end == StepRunner.End.DONE;
  }

  private void perform(HostStep step, HostSpec spec, HostResources driver, boolean adopting)
      throws DriverException {
    if (step instanceof HostStep.Create) {
      driver.create(spec, OwnershipMark.forHost(spec, owner, OwnershipMark.Origin.CREATED));
    } else if (step instanceof HostStep.Adopt) {
      driver.update(
          spec,
          current(driver, spec),
          java.util.List.of(),
          OwnershipMark.forHost(spec, owner, OwnershipMark.Origin.ADOPTED));
    } else if (step instanceof HostStep.Update u) {
      ObservedHost now = current(driver, spec);
      OwnershipMark.Origin origin =
          adopting
              ? OwnershipMark.Origin.ADOPTED
              : now.mark().map(OwnershipMark::origin).orElse(OwnershipMark.Origin.ADOPTED);
      driver.update(spec, now, u.changes(), OwnershipMark.forHost(spec, owner, origin));
    } else if (step instanceof HostStep.Lifecycle l) {
      switch (l.action()) {
        case START -> driver.start(spec.kind(), spec.name());
        case STOP -> driver.stop(spec.kind(), spec.name());
        case RESTART -> {
          driver.stop(spec.kind(), spec.name());
          driver.start(spec.kind(), spec.name());
        }
        case RESUME -> throw new IllegalStateException("a network or pool is never paused");
      }
    } else if (step instanceof HostStep.Remove) {
      if (current(driver, spec).active()) {
        driver.stop(spec.kind(), spec.name());
      }
      driver.remove(spec.kind(), spec.name());
    }
  }

  private static ObservedHost current(HostResources driver, HostSpec spec) throws DriverException {
    ObservedHost h = driver.observe(spec.kind()).get(spec.name());
    if (h == null) {
      throw new DriverException(
          DriverException.Kind.NOT_FOUND, "`" + spec.address() + "` disappeared");
    }
    return h;
  }
}
