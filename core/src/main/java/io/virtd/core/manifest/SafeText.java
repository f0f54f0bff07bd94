package io.virtd.core.manifest;

/**
 * Text from a manifest made safe to print on a terminal or in a log: every control character (C0,
 * DEL, C1: terminal escapes start with ESC or CSI), format character (bidi overrides such as
 * U+202E, zero-width spaces and joiners, U+FEFF) and line or paragraph separator becomes {@code ?},
 * so what is printed reads as what is there. Used wherever manifest text is echoed: problems, plan
 * values, quoted keys and values.
 */
public final class SafeText {
  private SafeText() {}

  public static String of(String s) {
    if (s == null || s.codePoints().noneMatch(SafeText::hidden)) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> b.appendCodePoint(hidden(cp) ? '?' : cp));
    return b.toString();
  }

  /** Whether a code point changes how the text around it is shown, rather than showing itself. */
  static boolean hidden(int cp) {
    return switch (Character.getType(cp)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE ->
          true;
      default -> false;
    };
  }
}
