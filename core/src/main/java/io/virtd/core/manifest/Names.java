package io.virtd.core.manifest;

import java.util.regex.Pattern;

/** Resource names: 1–64 of {@code [A-Za-z0-9_.-]}, not starting with {@code -} or {@code .}. */
public final class Names {
  public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

  private Names() {}

  public static boolean isValid(String name) {
    return name != null && PATTERN.matcher(name).matches();
  }
}
