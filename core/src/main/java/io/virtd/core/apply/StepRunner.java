package io.virtd.core.apply;

import io.virtd.core.spi.DriverException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Carries out one resource's steps in order, reporting each as it finishes with the time it took;
 * the first failing step ends them. Guests and host resources ({@link Executor}, {@link
 * HostExecutor}) differ in what a step does, not in how their steps are run and reported.
 */
final class StepRunner {
  private StepRunner() {}

  /** How a run of steps ended. */
  enum End {
    /** Every step succeeded. */
    DONE,
    /** A step failed; the ones after it were not begun. */
    FAILED,
    /** The gate closed before a step; it and the ones after it were not begun. */
    HALTED
  }

  /** Carries out one step; what it returns is the step's detail. */
  @FunctionalInterface
  interface Perform<S> {
    Optional<String> perform(S step) throws DriverException;
  }

  /**
   * @param name the resource's name in events ({@code web01}, {@code network/backend})
   * @param key a step's name in events and for {@code gate}
   */
  static <S> End run(
      String name,
      String driver,
      List<S> steps,
      Function<S, String> key,
      Executor.Gate gate,
      Perform<S> perform,
      Consumer<ApplyEvent> events) {
    for (S step : steps) {
      String stepName = key.apply(step);
      if (!gate.mayBegin(stepName)) {
        return End.HALTED;
      }
      long t0 = System.nanoTime();
      try {
        Optional<String> detail = perform.perform(step);
        events.accept(
            new ApplyEvent(name, driver, stepName, true, since(t0), detail, Optional.empty()));
      } catch (DriverException | RuntimeException e) {
        events.accept(
            new ApplyEvent(
                name,
                driver,
                stepName,
                false,
                since(t0),
                Optional.empty(),
                Optional.of(message(e))));
        return End.FAILED;
      }
    }
    return End.DONE;
  }

  /** The event of a resource that could not be planned: none of its steps begins. */
  static ApplyEvent planFailed(String name, String driver, Optional<String> error) {
    return new ApplyEvent(name, driver, "plan", false, Duration.ZERO, Optional.empty(), error);
  }

  private static String message(Exception e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  private static Duration since(long t0) {
    return Duration.ofNanos(System.nanoTime() - t0);
  }
}
