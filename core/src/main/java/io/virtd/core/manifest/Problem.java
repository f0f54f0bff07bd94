package io.virtd.core.manifest;

import java.nio.file.Path;

/**
 * One problem found in a manifest or configuration file, printed as {@code FILE:LINE:COL: message}.
 * Messages never contain secret values.
 */
public record Problem(Path file, Pos pos, Severity severity, String message) {
  /** The message as printed: whatever it quotes from a manifest cannot steer a terminal. */
  public Problem {
    message = SafeText.of(message);
  }

  public enum Severity {
    ERROR,
    WARNING
  }

  public static Problem error(Path file, Pos pos, String message) {
    return new Problem(file, pos, Severity.ERROR, message);
  }

  public static Problem warning(Path file, Pos pos, String message) {
    return new Problem(file, pos, Severity.WARNING, message);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  @Override
  public String toString() {
    return SafeText.of(String.valueOf(file))
        + ":"
        + pos
        + ": "
        + (isError() ? "" : "warning: ")
        + message;
  }
}
