package io.virtd.core.manifest;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The size and duration grammar of manifests. */
public final class Sizes {
  private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([A-Za-z]*)");
  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)");

  /** The memory sizes {@link #parseMemoryKiB} accepts, spelled without flags (for JSON Schema). */
  public static final Pattern MEMORY_PATTERN =
      Pattern.compile("\\s*[0-9]+\\s*([KkMmGgTt]([Ii]?[Bb])?)?\\s*");

  /** The durations {@link #parseDuration} accepts. */
  public static final Pattern DURATION_PATTERN =
      Pattern.compile("\\s*" + DURATION.pattern() + "\\s*");

  private Sizes() {}

  /**
   * A memory size in KiB from a string such as {@code 512MiB}, {@code 1g} or {@code 1048576KiB}; a
   * string of digits alone is MiB, like a bare integer.
   *
   * @throws IllegalArgumentException with a message fit for the operator
   */
  public static long parseMemoryKiB(String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "`" + text + "` is not a size: write an integer with a unit, e.g. 512MiB, 1GiB, 512m");
    }
    long multiplierKiB =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k", "kib", "kb" -> 1;
          case "", "m", "mib", "mb" -> 1024;
          case "g", "gib", "gb" -> 1024L * 1024;
          case "t", "tib", "tb" -> 1024L * 1024 * 1024;
          default ->
              throw new IllegalArgumentException(
                  "unknown size unit `"
                      + m.group(2)
                      + "` in `"
                      + text
                      + "`: use K, M, G or T (KiB, MiB, GiB, TiB)");
        };
    long amount;
    try {
      amount = Math.multiplyExact(Long.parseLong(m.group(1)), multiplierKiB);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("size `" + text + "` is too large");
    }
    return checkMemory(amount, text);
  }

  /** A bare integer: MiB. */
  public static long memoryMiBToKiB(long mib) {
    try {
      return checkMemory(Math.multiplyExact(mib, 1024L), Long.toString(mib));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("size `" + mib + "` is too large");
    }
  }

  /** libvirt keeps memory in an unsigned long of KiB; we cap at 16 TiB, beyond any host here. */
  public static final long MAX_MEMORY_KIB = 16L * 1024 * 1024 * 1024;

  private static long checkMemory(long kib, String text) {
    if (kib < 1024) {
      throw new IllegalArgumentException("memory `" + text + "` is less than the minimum of 1 MiB");
    }
    if (kib > MAX_MEMORY_KIB) {
      throw new IllegalArgumentException(
          "memory `" + text + "` is more than the maximum of 16 TiB");
    }
    return kib;
  }

  public static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "`" + text + "` is not a duration: write an integer with ms, s, m or h, e.g. 30s, 5m");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("duration `" + text + "` is too large");
    }
    if (n > 1_000_000_000L) {
      throw new IllegalArgumentException("duration `" + text + "` is too large");
    }
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** Memory as operators write it: whole MiB when possible. */
  public static String formatKiB(long kib) {
    if (kib % 1024 == 0) {
      return (kib / 1024) + " MiB";
    }
    return kib + " KiB";
  }

  public static String formatDuration(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
