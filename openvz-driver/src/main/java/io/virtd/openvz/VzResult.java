package io.virtd.openvz;

/**
 * What a finished {@code vzctl}/{@code vzlist} run left: its exit code and both streams (scrubbed
 * of secrets).
 */
public record VzResult(int exit, String stdout, String stderr) {
  /** The tool's own words for an error: stderr, or stdout where vzctl prints it there (destroy). */
  public String message() {
    String s = stderr.strip();
    if (s.isEmpty()) {
      s = stdout.strip();
    }
    String[] lines = s.split("\n");
    // the last lines say what went wrong; progress messages come before them
    int from = Math.max(0, lines.length - 4);
    return String.join("; ", java.util.Arrays.copyOfRange(lines, from, lines.length)).strip();
  }
}
