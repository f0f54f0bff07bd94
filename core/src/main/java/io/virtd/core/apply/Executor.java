package io.virtd.core.apply;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.plan.Step;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.VmDriver;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Carries out a resource's planned steps through its driver, under the guest's lock, reporting each
 * step as it finishes. It decides nothing: a failing step ends that guest's steps, not the others'.
 */
public final class Executor {
  private final String owner;
  private final GuestLocks locks;
  private final Duration lockWait;

  public Executor(String owner, GuestLocks locks, Duration lockWait) {
    this.owner = owner;
    this.locks = locks;
    this.lockWait = lockWait;
  }

  /**
   * What happened to one guest: {@code ok} when every step it began succeeded; {@code halted} when
   * the gate closed before a step (the steps after it were not begun).
   */
  public record Outcome(boolean ok, Set<Field> unhonoured, boolean halted) {}

  /**
   * Asked just before each step begins, under the guest's lock. A closed gate ends the guest's
   * steps there without failing any (the daemon's {@code hold}).
   */
  @FunctionalInterface
  public interface Gate {
    Gate OPEN = step -> true;

    boolean mayBegin(String step);
  }

  /**
   * Other processes (the daemon, another {@code virtctl apply}) act on guests too: a plan made
   * before the guest's lock was taken may be stale, whether or not this run had to wait for the
   * lock (the other may have finished just before), so the guest is planned again under its lock,
   * always, and only that plan is carried out.
   */
  public interface Contention {
    Contention NONE =
        new Contention() {
          @Override
          public void waiting(String name) {}

          @Override
          public ResourcePlan replan(ResourcePlan stale) {
            return stale;
          }
        };

    /** About to wait for the guest's lock. */
    void waiting(String name);

    /** The guest planned again, as it is now (called under its lock). */
    ResourcePlan replan(ResourcePlan stale);
  }

  /** Hands an adopted guest back: removes virtd's mark under the guest's lock, nothing else. */
  public void unmark(String name, VmDriver driver) throws DriverException, IOException {
    try (GuestLocks.Held lock = locks.acquire(name, lockWait)) {
      driver.unmark(name);
    }
  }

  public Outcome run(ResourcePlan plan, VmDriver driver, Consumer<ApplyEvent> events) {
    return run(plan, driver, events, Gate.OPEN);
  }

  public Outcome run(ResourcePlan plan, VmDriver driver, Consumer<ApplyEvent> events, Gate gate) {
    return run(plan, driver, events, gate, Contention.NONE);
  }

  public Outcome run(
      ResourcePlan planned,
      VmDriver driver,
      Consumer<ApplyEvent> events,
      Gate gate,
      Contention contention) {
    ResourcePlan plan = planned;
    VmSpec spec = plan.spec();
    Set<Field> unhonoured = new LinkedHashSet<>();
    if (plan.steps().isEmpty()) {
      return new Outcome(true, unhonoured, false);
    }
    try (GuestLocks.Held lock =
        locks.acquire(spec.name(), lockWait, () -> contention.waiting(spec.name()))) {
      plan = contention.replan(plan);
      if (plan.failure().isPresent()) {
        events.accept(StepRunner.planFailed(spec.name(), plan.driver(), plan.error()));
        return new Outcome(false, unhonoured, false);
      }
      ResourcePlan replanned = plan;
      boolean adopting = plan.has(Step.Adopt.class);
      StepRunner.End end =
          StepRunner.run(
              spec.name(),
              plan.driver(),
              plan.steps(),
              Executor::stepName,
              gate,
              step -> perform(step, replanned, driver, adopting, unhonoured),
              events);
      return new Outcome(end != StepRunner.End.FAILED, unhonoured, end == StepRunner.End.HALTED);
    } catch (IOException e) {
      events.accept(
          new ApplyEvent(
              spec.name(),
              plan.driver(),
              "lock",
              false,
              Duration.ZERO,
              Optional.empty(),
              Optional.of(e.getMessage())));
      return new Outcome(false, unhonoured, false);
    }
  }

  private Optional<String> perform(
      Step step, ResourcePlan plan, VmDriver driver, boolean adopting, Set<Field> unhonoured)
      throws DriverException {
    VmSpec spec = plan.spec();
    OwnershipMark.Origin origin =
        adopting ? OwnershipMark.Origin.ADOPTED : OwnershipMark.Origin.CREATED;
    if (step instanceof Step.Create) {
      driver.create(spec, OwnershipMark.forSpec(spec, owner, OwnershipMark.Origin.CREATED));
      return Optional.empty();
    }
    if (step instanceof Step.Adopt) {
      if (plan.has(Step.Update.class)) {
        return Optional.of("marked with the update");
      }
      ObservedVm vm = current(driver, spec);
      driver.update(
          spec, vm, List.of(), OwnershipMark.forSpec(spec, owner, OwnershipMark.Origin.ADOPTED));
      return Optional.empty();
    }
    if (step instanceof Step.Reown) {
      if (plan.has(Step.Update.class) || plan.has(Step.Replace.class)) {
        return Optional.of("marked with the next step");
      }
      ObservedVm vm = current(driver, spec);
      OwnershipMark was = vm.mark().orElseThrow();
      driver.update(spec, vm, List.of(), OwnershipMark.forSpec(spec, owner, was.origin()));
      return Optional.empty();
    }
    if (step instanceof Step.Update u) {
      ObservedVm vm = current(driver, spec);
      if (!adopting && vm.mark().isPresent()) {
        origin = vm.mark().get().origin();
      }
      Set<Field> missed =
          driver.update(spec, vm, u.changes(), OwnershipMark.forSpec(spec, owner, origin));
      unhonoured.addAll(missed);
      if (!missed.isEmpty()) {
        return Optional.of(
            "not honoured live (restart pending): "
                + String.join(", ", missed.stream().map(Field::key).toList()));
      }
      return Optional.empty();
    }
    if (step instanceof Step.Lifecycle l) {
      return switch (l.action()) {
        case START -> {
          driver.start(spec.name());
          yield Optional.empty();
        }
        case RESUME -> {
          driver.resume(spec.name());
          yield Optional.empty();
        }
        case STOP -> stopped(driver.stop(spec.name(), spec.shutdownTimeout()), spec);
        case RESTART -> {
          Optional<String> d = stopped(driver.stop(spec.name(), spec.shutdownTimeout()), spec);
          driver.start(spec.name());
          yield d;
        }
      };
    }
    if (step instanceof Step.Remove || step instanceof Step.Replace) {
      Optional<String> refusal = driver.whyNotRemovable(spec.name());
      if (refusal.isPresent()) {
        throw new DriverException(DriverException.Kind.TERMINAL, refusal.get());
      }
    }
    if (step instanceof Step.Remove) {
      Optional<String> d = stopped(driver.stop(spec.name(), spec.shutdownTimeout()), spec);
      driver.remove(spec.name());
      return d;
    }
    if (step instanceof Step.Replace) {
      stopped(driver.stop(spec.name(), spec.shutdownTimeout()), spec);
      driver.remove(spec.name());
      driver.create(spec, OwnershipMark.forSpec(spec, owner, OwnershipMark.Origin.CREATED));
      return Optional.of("re-created");
    }
    throw new IllegalStateException("unknown step " + step);
  }

  private static Optional<String> stopped(boolean forced, VmSpec spec) {
    return forced
        ? Optional.of(
            "forced off after shutdown_timeout "
                + io.virtd.core.manifest.Sizes.formatDuration(spec.shutdownTimeout()))
        : Optional.empty();
  }

  private static ObservedVm current(VmDriver driver, VmSpec spec) throws DriverException {
    return driver
        .observe(spec.name())
        .orElseThrow(
            () ->
                new DriverException(
                    DriverException.Kind.NOT_FOUND, "guest `" + spec.name() + "` disappeared"));
  }

  static String stepName(Step step) {
    if (step instanceof Step.Lifecycle l) {
      return l.action().key();
    }
    return step.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }
}
