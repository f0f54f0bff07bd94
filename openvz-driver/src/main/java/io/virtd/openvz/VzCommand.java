package io.virtd.openvz;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One run of {@code vzctl} or {@code vzlist}: the exact argument vector (never a shell string), the
 * arguments that are secrets (an {@code --userpasswd} value), and how long it may take.
 */
public record VzCommand(List<String> argv, Set<Integer> secretArgs, Duration timeout) {
  /** What stands in for a secret wherever a command or its output is shown. */
  public static final String REDACTED = "(sensitive)";

  public VzCommand {
    argv = List.copyOf(argv);
    secretArgs = Set.copyOf(secretArgs);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
  }

  public static VzCommand of(List<String> argv, Duration timeout) {
    return new VzCommand(argv, secretsIn(argv), timeout);
  }

  /** The indexes of the values that follow {@code --userpasswd}. */
  static Set<Integer> secretsIn(List<String> argv) {
    java.util.HashSet<Integer> s = new java.util.HashSet<>();
    for (int i = 0; i + 1 < argv.size(); i++) {
      if (VzArgs.USERPASSWD.equals(argv.get(i))) {
        s.add(i + 1);
      }
    }
    return s;
  }

  /** The command as it may be logged or quoted in an error: program name, secrets redacted. */
  public String display() {
    List<String> shown = new ArrayList<>();
    for (int i = 0; i < argv.size(); i++) {
      String a = i == 0 ? java.nio.file.Path.of(argv.get(0)).getFileName().toString() : argv.get(i);
      shown.add(secretArgs.contains(i) ? REDACTED : quoteIfNeeded(a));
    }
    return String.join(" ", shown);
  }

  /** {@code text} with every secret of this command (and its password part) replaced. */
  public String scrub(String text) {
    String out = text;
    for (int i : secretArgs) {
      String secret = argv.get(i);
      int colon = secret.indexOf(':');
      out = out.replace(secret, REDACTED);
      if (colon >= 0 && colon < secret.length() - 1) {
        out = out.replace(secret.substring(colon + 1), REDACTED);
      }
    }
    return out;
  }

  private static String quoteIfNeeded(String a) {
    return a.isEmpty() || a.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\'')
        ? "'" + a.replace("'", "'\\''") + "'"
        : a;
  }
}
