package io.virtd.core.testing;

import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Property tests as plain JUnit tests: a check runs on a fixed number of generated inputs, each
 * from its own {@link Random} whose seed derives from one base seed. The base seed is fixed, so
 * every run checks the same cases; {@code -Dvirtd.prop.seed=N} picks another set. A failing case is
 * reported with its seeds and its input, so it can be run again: the same base seed gives the same
 * case, and {@code new ManifestGen(new Random(caseSeed))} rebuilds that one input alone.
 */
public final class PropertyCases {
  public static final String SEED_PROPERTY = "virtd.prop.seed";
  public static final long DEFAULT_SEED = 0x7669727464L; // "virtd"

  private PropertyCases() {}

  @FunctionalInterface
  public interface Check<T> {
    void accept(T input) throws Exception;
  }

  /**
   * The base seed: {@value #SEED_PROPERTY} (decimal or 0x hex) if set, else {@link #DEFAULT_SEED}.
   */
  public static long baseSeed() {
    String s = System.getProperty(SEED_PROPERTY);
    return s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.strip());
  }

  /**
   * The seed of case {@code i}: the base seed's {@code i}-th SplitMix64 output, independent of the
   * other cases.
   */
  public static long caseSeed(long base, int i) {
    long z = base + (i + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Checks {@code tries} generated inputs; the first failure is rethrown with its seeds and input.
   */
  public static <T> void forAll(
      String property,
      int tries,
      Function<ManifestGen, T> generator,
      Function<T, String> show,
      Check<T> check) {
    forAll(property, tries, generator, show, check, UnaryOperator.identity());
  }

  /**
   * As {@link #forAll(String, int, Function, Function, Check)}, with {@code redact} applied to
   * everything the failure report says (a failure's cause is left out, stack trace kept, when its
   * text needed redacting).
   */
  public static <T> void forAll(
      String property,
      int tries,
      Function<ManifestGen, T> generator,
      Function<T, String> show,
      Check<T> check,
      UnaryOperator<String> redact) {
    long base = baseSeed();
    for (int i = 0; i < tries; i++) {
      long seed = caseSeed(base, i);
      T input = null;
      String shown = "(not generated)";
      try {
        input = generator.apply(new ManifestGen(new Random(seed)));
        shown = show.apply(input);
        check.accept(input);
      } catch (Throwable t) {
        if (t instanceof VirtualMachineError e && !(t instanceof StackOverflowError)) {
          throw e;
        }
        String head =
            "property '"
                + property
                + "' failed on case "
                + (i + 1)
                + " of "
                + tries
                + ": seed="
                + seed
                + " (base seed "
                + base
                + "; rerun with -D"
                + SEED_PROPERTY
                + "="
                + base
                + ")\ninput="
                + shown
                + "\ncause: ";
        boolean clean = true;
        for (Throwable c = t; c != null; c = c.getCause()) {
          clean &= redact.apply(String.valueOf(c)).equals(String.valueOf(c));
        }
        AssertionError failure = new AssertionError(redact.apply(head + t));
        if (clean) {
          failure.initCause(t);
        } else {
          failure.setStackTrace(t.getStackTrace());
        }
        throw failure;
      }
    }
  }

  /** Text as one exact line: a double-quoted string with its controls and odd line ends escaped. */
  public static String quoted(String text) {
    return ManifestGen.doubleQuoted(text);
  }
}
