package io.virtd.core.manifest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Values chosen from fixed words: booleans, enumerations with their aliases, graphics. */
final class WordValues {
  private WordValues() {}

  static final Parser BOOL = Values.described(WordValues::bool, Values.type("boolean"));
  static final Parser GRAPHICS;

  static {
    ObjectNode graphics = Values.JSON.objectNode();
    graphics
        .putArray("anyOf")
        .add(Values.enumOf(List.of("enable", "disable")))
        .add(Values.type("string").put("pattern", "^vnc:[0-9]{1,5}$"));
    GRAPHICS = Values.described(WordValues::graphics, graphics);
  }

  static boolean bool(YNode node, Ctx ctx) {
    if (node instanceof YNode.YScalar s && s.value() instanceof Boolean b) {
      return b;
    }
    throw new BadValue(
        node.pos(), "`" + ctx.key() + "` must be true or false, not " + Values.describe(node, ctx));
  }

  /**
   * One of fixed words; {@code accepted} maps every accepted spelling (aliases too) to the value.
   */
  static Parser oneOf(Map<String, ?> accepted) {
    Parser p =
        (node, ctx) -> {
          String text = Values.scalarText(node, ctx, "one of " + canonicalList(accepted));
          Object v = accepted.get(text.toLowerCase(Locale.ROOT));
          if (v == null) {
            String hint =
                DidYouMean.suggest(text, accepted.keySet())
                    .map(s -> "; did you mean `" + spelling(s, accepted.get(s)) + "`?")
                    .orElse("");
            throw new BadValue(
                node.pos(),
                "`"
                    + ctx.key()
                    + "` must be one of "
                    + canonicalList(accepted)
                    + ", not `"
                    + text
                    + "`"
                    + hint);
          }
          return v;
        };
    // matching is case-insensitive; the schema lists the spec's spellings and the lower-case ones
    var words = new java.util.LinkedHashSet<String>();
    accepted.forEach(
        (k, v) -> {
          words.add(spelling(k, v));
          words.add(k);
        });
    return Values.described(p, Values.enumOf(words));
  }

  private static String canonicalList(Map<String, ?> accepted) {
    List<String> names = new ArrayList<>();
    Map<Object, Boolean> seen = new LinkedHashMap<>();
    for (var e : accepted.entrySet()) {
      if (seen.putIfAbsent(e.getValue(), true) == null) {
        names.add(spelling(e.getKey(), e.getValue()));
      }
    }
    return String.join(", ", names);
  }

  /** How the spec spells an accepted word: {@code UTC}, although {@code utc} is accepted too. */
  private static String spelling(String key, Object value) {
    return value instanceof String v && v.equalsIgnoreCase(key) ? v : key;
  }

  static Map<String, String> words(String... words) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String w : words) {
      m.put(w.toLowerCase(Locale.ROOT), w);
    }
    return m;
  }

  /**
   * {@code enable}, {@code disable} or {@code vnc:PORT}; kept as written (normalised to lower
   * case).
   */
  static String graphics(YNode node, Ctx ctx) {
    String s = Values.scalarText(node, ctx, "enable, disable or vnc:PORT").toLowerCase(Locale.ROOT);
    if (s.equals("enable") || s.equals("disable")) {
      return s;
    }
    if (s.startsWith("vnc:")) {
      String port = s.substring(4);
      if (port.matches("[0-9]{1,5}")
          && Integer.parseInt(port) >= 5900
          && Integer.parseInt(port) <= 65535) {
        return "vnc:" + Integer.parseInt(port);
      }
      throw new BadValue(
          node.pos(), "`" + ctx.key() + "`: VNC port must be 5900 to 65535, not `" + port + "`");
    }
    String hint =
        DidYouMean.suggest(s, List.of("enable", "disable"))
            .map(x -> "; did you mean `" + x + "`?")
            .orElse("");
    throw new BadValue(
        node.pos(),
        "`" + ctx.key() + "` must be enable, disable or vnc:PORT, not `" + s + "`" + hint);
  }
}
