package io.virtd.core.manifest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Parsers for manifest values: each turns a {@link YNode} into a typed value or a {@link BadValue}.
 */
final class Values {
  private Values() {}

  /** What a parser may need beyond the node: the key's name and the manifest's directory. */
  record Ctx(String key, Path baseDir, boolean secret) {}

  @FunctionalInterface
  interface Parser {
    Object parse(YNode node, Ctx ctx);

    /**
     * The JSON Schema (draft 2020-12) of the YAML values this parser accepts, as far as a schema
     * can say it: the parser stays the authority (ranges of sizes, what a path points at).
     */
    default ObjectNode schema() {
      return JSON.objectNode();
    }
  }

  static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Pattern NAME_LIKE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}");

  /** {@code parser} described by {@code schema} (a fresh copy for every caller). */
  static Parser described(Parser parser, ObjectNode schema) {
    return new Parser() {
      @Override
      public Object parse(YNode node, Ctx ctx) {
        return parser.parse(node, ctx);
      }

      @Override
      public ObjectNode schema() {
        return schema.deepCopy();
      }
    };
  }

  /** A JSON Schema {@code pattern} matching the whole value, as Java's {@code matches()} does. */
  static String anchored(Pattern p) {
    if ((p.flags() & Pattern.CASE_INSENSITIVE) != 0) {
      throw new IllegalArgumentException(
          "JSON Schema patterns have no flags; spell out the cases: " + p);
    }
    return "^(?:" + p.pattern() + ")$";
  }

  static ObjectNode type(String... types) {
    ObjectNode n = JSON.objectNode();
    if (types.length == 1) {
      n.put("type", types[0]);
    } else {
      n.set(
          "type",
          JSON.arrayNode().addAll(java.util.Arrays.stream(types).map(JSON::textNode).toList()));
    }
    return n;
  }

  /**
   * A single item, or a list of items: the lists of manifests accept one string for a list of one.
   */
  static ObjectNode itemOrList(ObjectNode item) {
    ObjectNode n = JSON.objectNode();
    n.putArray("anyOf").add(item).add(type("array").set("items", item.deepCopy()));
    return n;
  }

  // Scalars that string() accepts: any but booleans and null (`desc: 1.10` is the text "1.10").
  static final Parser STRING =
      described(Values::string, type("string", "number").put("minLength", 1));
  static final Parser BOOL = described(Values::bool, type("boolean"));
  static final Parser MEMORY =
      described(
          Values::memory,
          type("integer", "string")
              .put("minimum", 1)
              .put("pattern", anchored(Sizes.MEMORY_PATTERN)));
  static final Parser DURATION =
      described(Values::duration, type("string").put("pattern", anchored(Sizes.DURATION_PATTERN)));
  static final Parser PATH = described(Values::path, type("string").put("minLength", 1));

  /** A path whose file is read and checked when the manifest is loaded ({@link XmlFile}). */
  static final Parser XML_FILE =
      described(
          (node, ctx) -> XmlFile.read(path(node, ctx), node.pos(), ctx.key()),
          type("string").put("minLength", 1));

  static final Parser URI =
      described(Values::uri, type("string").put("pattern", "^[A-Za-z][A-Za-z0-9+.-]*:"));
  static final Parser CONNECT =
      described(
          Values::connect,
          type("string").put("pattern", "^(qemu|xen|test)(\\+(unix|ssh|tls))?://"));
  static final Parser DOCUMENT = described(Values::document, type("object", "string"));
  static final Parser USER_PASSWORD =
      described(
          Values::userPassword, type("string").put("pattern", "^[^:]+:.+$").put("writeOnly", true));
  static final Parser SECRET =
      described(Values::secretString, type("string", "number").put("writeOnly", true));

  /** QEMU's VNC authentication uses DES: libvirt refuses passwords longer than 8 characters. */
  static final Parser VNC_PASSWORD =
      described(
          (node, ctx) -> {
            String p = secretString(node, ctx);
            if (p.codePointCount(0, p.length()) > 8) {
              throw new BadValue(
                  node.pos(),
                  "`" + ctx.key() + "` is at most 8 characters, VNC's limit (value not shown)");
            }
            return p;
          },
          type("string", "number").put("writeOnly", true).put("maxLength", 8));

  static final Parser INTERFACES;
  static final Parser GRAPHICS;

  static {
    ObjectNode name = type("string").put("pattern", anchored(NAME_LIKE));
    INTERFACES = described(Values::interfaces, itemOrList(name));
    ObjectNode graphics = JSON.objectNode();
    graphics
        .putArray("anyOf")
        .add(enumOf(List.of("enable", "disable")))
        .add(type("string").put("pattern", "^vnc:[0-9]{1,5}$"));
    GRAPHICS = described(Values::graphics, graphics);
  }

  static ObjectNode enumOf(java.util.Collection<String> words) {
    ObjectNode n = JSON.objectNode();
    n.putArray("enum").addAll(words.stream().map(JSON::textNode).toList());
    return n;
  }

  static String scalarText(YNode node, Ctx ctx, String expected) {
    if (node instanceof YNode.YScalar s && s.value() != null && !(s.value() instanceof YNode)) {
      if (s.value() instanceof String str) {
        return str;
      }
      return s.text(); // as written: `1.10`, not 1.1
    }
    throw new BadValue(
        node.pos(), "`" + ctx.key() + "` must be " + expected + ", not " + node.kindName());
  }

  static String string(YNode node, Ctx ctx) {
    if (!(node instanceof YNode.YScalar s) || !(s.value() instanceof String str)) {
      if (node instanceof YNode.YScalar s2
          && s2.value() != null
          && !(s2.value() instanceof Boolean)) {
        return s2.text(); // as written: `desc: 1.10` is "1.10", not "1.1"
      }
      throw new BadValue(
          node.pos(), "`" + ctx.key() + "` must be a string, not " + node.kindName());
    }
    if (str.isEmpty()) {
      throw new BadValue(node.pos(), "`" + ctx.key() + "` must not be empty");
    }
    if (str.indexOf('\0') >= 0) {
      throw new BadValue(node.pos(), "`" + ctx.key() + "` must not contain NUL characters");
    }
    refuseNonXml(node, ctx, str);
    return str;
  }

  /**
   * The first character of {@code s} that XML 1.0 cannot carry (control characters other than tab,
   * newline and carriage return; U+FFFE, U+FFFF; a lone surrogate), or -1. Values end up in libvirt
   * domain XML (a description, a path, a kernel command line), which would refuse them at define.
   */
  static int firstNonXmlChar(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
        continue;
      }
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          || c == 0xFFFE
          || c == 0xFFFF
          || Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /** A value with a character XML cannot carry is refused, naming the character (not the value). */
  static void refuseNonXml(YNode node, Ctx ctx, String s) {
    int at = firstNonXmlChar(s);
    if (at >= 0) {
      throw new BadValue(
          node.pos(),
          "`"
              + ctx.key()
              + "` must not contain the control character U+"
              + String.format("%04X", (int) s.charAt(at))
              + " (character "
              + (s.codePointCount(0, at) + 1)
              + "): libvirt's XML cannot carry it"
              + (ctx.secret() ? " (value not shown)" : ""));
    }
  }

  static boolean bool(YNode node, Ctx ctx) {
    if (node instanceof YNode.YScalar s && s.value() instanceof Boolean b) {
      return b;
    }
    throw new BadValue(
        node.pos(), "`" + ctx.key() + "` must be true or false, not " + describe(node, ctx));
  }

  /**
   * An integer scalar's value, read as decimal when written as digits: YAML 1.1 would make {@code
   * 0101} the octal 65, which no operator means.
   */
  static Object decimal(YNode.YScalar s) {
    if ((s.value() instanceof Long || s.value() instanceof BigInteger)
        && s.text() != null
        && s.text().contains("_")) {
      throw new BadValue(
          s.pos(),
          "an integer with `_` is ambiguous: YAML 1.1 reads 1_000 as 1000, YAML 1.2 as text;"
              + " write it without `_`");
    }
    if ((s.value() instanceof Long || s.value() instanceof BigInteger)
        && s.text() != null
        && s.text().strip().matches("[-+]?[0-9]+")) {
      BigInteger b = new BigInteger(s.text().strip());
      return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }
    return s.value();
  }

  static long integer(YNode node, Ctx ctx, long min, long max) {
    if (node instanceof YNode.YScalar s) {
      Object v = decimal(s);
      if (v instanceof String str && str.strip().matches("-?[0-9]+")) {
        try {
          v = Long.parseLong(str.strip());
        } catch (NumberFormatException e) {
          v = new BigInteger(str.strip());
        }
      }
      if (v instanceof Long l) {
        if (l < min || l > max) {
          throw new BadValue(
              node.pos(),
              "`" + ctx.key() + "` must be between " + min + " and " + max + ", not " + l);
        }
        return l;
      }
      if (v instanceof BigInteger) {
        throw new BadValue(
            node.pos(), "`" + ctx.key() + "` is out of range (" + min + " to " + max + ")");
      }
    }
    throw new BadValue(
        node.pos(), "`" + ctx.key() + "` must be an integer, not " + describe(node, ctx));
  }

  static Parser integer(long min, long max) {
    return described((n, c) -> integer(n, c, min, max), integerSchema(min, max));
  }

  static Parser intRange(int min, int max) {
    return described((n, c) -> (int) integer(n, c, min, max), integerSchema(min, max));
  }

  /**
   * integer() also takes a quoted number (`id: "101"`): the range holds for numbers, the pattern
   * for text.
   */
  private static ObjectNode integerSchema(long min, long max) {
    return type("integer", "string")
        .put("minimum", min)
        .put("maximum", max)
        .put("pattern", "^[-+]?[0-9]+$");
  }

  static long memory(YNode node, Ctx ctx) {
    if (node instanceof YNode.YScalar s) {
      try {
        if (decimal(s) instanceof Long l) {
          if (l < 1) {
            throw new BadValue(node.pos(), "`" + ctx.key() + "` must be positive, not " + l);
          }
          return Sizes.memoryMiBToKiB(l);
        }
        if (s.value() instanceof String str) {
          if (str.strip().startsWith("-")) {
            throw new BadValue(
                node.pos(), "`" + ctx.key() + "` must be positive, not `" + str + "`");
          }
          return Sizes.parseMemoryKiB(str);
        }
        if (decimal(s) instanceof BigInteger) {
          throw new BadValue(node.pos(), "`" + ctx.key() + "` is too large");
        }
        if (s.value() instanceof Double) {
          throw new BadValue(
              node.pos(),
              "`" + ctx.key() + "` must be a whole number: write 1536MiB rather than 1.5GiB");
        }
      } catch (IllegalArgumentException e) {
        throw new BadValue(node.pos(), "`" + ctx.key() + "`: " + e.getMessage());
      }
    }
    throw new BadValue(
        node.pos(),
        "`"
            + ctx.key()
            + "` must be an integer (MiB) or a size such as 1GiB, not "
            + node.kindName());
  }

  static java.time.Duration duration(YNode node, Ctx ctx) {
    if (node instanceof YNode.YScalar s && s.value() instanceof String str) {
      try {
        return Sizes.parseDuration(str);
      } catch (IllegalArgumentException e) {
        throw new BadValue(node.pos(), "`" + ctx.key() + "`: " + e.getMessage());
      }
    }
    throw new BadValue(
        node.pos(),
        "`" + ctx.key() + "` must be a duration such as 30s or 5m, not " + describe(node, ctx));
  }

  /**
   * One of fixed words; {@code accepted} maps every accepted spelling (aliases too) to the value.
   */
  static Parser oneOf(Map<String, ?> accepted) {
    Parser p =
        (node, ctx) -> {
          String text = scalarText(node, ctx, "one of " + canonicalList(accepted));
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
    return described(p, enumOf(words));
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

  /** A list of strings; a single string counts as a list of one. */
  static List<String> stringList(YNode node, Ctx ctx) {
    List<YNode> items = node instanceof YNode.YSeq seq ? seq.items() : List.of(node);
    List<String> out = new ArrayList<>();
    for (YNode item : items) {
      if (!(item instanceof YNode.YScalar)) {
        throw new BadValue(
            item.pos(),
            "`" + ctx.key() + "` must be a list of strings, not contain " + item.kindName());
      }
      out.add(string(item, ctx));
    }
    return List.copyOf(out);
  }

  static Parser checkedList(Pattern pattern, String what) {
    return described(
        checkedList(pattern.asMatchPredicate(), what),
        itemOrList(type("string").put("pattern", anchored(pattern))));
  }

  static Parser checkedList(Predicate<String> ok, String what) {
    Parser p =
        (node, ctx) -> {
          List<YNode> items = node instanceof YNode.YSeq seq ? seq.items() : List.of(node);
          List<String> out = new ArrayList<>();
          for (YNode item : items) {
            String s = string(item, ctx);
            if (!ok.test(s)) {
              throw new BadValue(item.pos(), "`" + ctx.key() + "`: `" + s + "` is not " + what);
            }
            out.add(s);
          }
          return List.copyOf(out);
        };
    return described(p, itemOrList(type("string")));
  }

  static Parser matching(Pattern pattern, String what) {
    Parser p =
        (node, ctx) -> {
          String s = string(node, ctx);
          if (!pattern.matcher(s).matches()) {
            throw new BadValue(
                node.pos(), "`" + ctx.key() + "` must be " + what + ", not " + describe(node, ctx));
          }
          return s;
        };
    // string() takes numbers as written (`os_variant: 10`); a pattern only constrains strings
    return described(p, type("string", "number").put("pattern", anchored(pattern)));
  }

  static String path(YNode node, Ctx ctx) {
    String s = string(node, ctx);
    Path p = Path.of(s);
    if (!p.isAbsolute() && ctx.baseDir() != null) {
      p = ctx.baseDir().resolve(p);
    }
    return p.toAbsolutePath().normalize().toString();
  }

  static String uri(YNode node, Ctx ctx) {
    String s = string(node, ctx);
    try {
      URI u = new URI(s);
      if (u.getScheme() == null) {
        throw new URISyntaxException(s, "no scheme");
      }
      return s;
    } catch (URISyntaxException e) {
      throw new BadValue(
          node.pos(), "`" + ctx.key() + "` must be a URI such as qemu:///system, not `" + s + "`");
    }
  }

  /** A libvirt URI a manifest may name: see {@link ConnectUri}. */
  static String connect(YNode node, Ctx ctx) {
    String s = string(node, ctx);
    ConnectUri.refusal(s)
        .ifPresent(
            why -> {
              throw new BadValue(node.pos(), "`" + ctx.key() + "`: " + why);
            });
    return s;
  }

  /** Interfaces: a list of libvirt network or bridge names, or {@code disable} for none. */
  static List<String> interfaces(YNode node, Ctx ctx) {
    if (node instanceof YNode.YScalar s && "disable".equals(s.value())) {
      return List.of();
    }
    List<String> names = stringList(node, ctx);
    List<YNode> items = node instanceof YNode.YSeq seq ? seq.items() : List.of(node);
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (!NAME_LIKE.matcher(n).matches()) {
        throw new BadValue(
            items.get(i).pos(),
            "`" + ctx.key() + "`: `" + describeText(n) + "` is not a network or bridge name");
      }
    }
    return names;
  }

  /**
   * {@code enable}, {@code disable} or {@code vnc:PORT}; kept as written (normalised to lower
   * case).
   */
  static String graphics(YNode node, Ctx ctx) {
    String s = scalarText(node, ctx, "enable, disable or vnc:PORT").toLowerCase(Locale.ROOT);
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

  static boolean isIp(String s) {
    String addr = s;
    int slash = s.indexOf('/');
    if (slash >= 0) {
      addr = s.substring(0, slash);
      String mask = s.substring(slash + 1);
      if (!mask.matches("[0-9]{1,3}") && !isIpv4(mask)) {
        return false;
      }
    }
    return isIpv4(addr) || isIpv6(addr);
  }

  private static boolean isIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean isIpv6(String s) {
    if (!s.matches("[0-9A-Fa-f:.]+") || !s.contains(":")) {
      return false;
    }
    try {
      // a literal only: getByName does no name lookup for a string of hex digits and colons
      return java.net.InetAddress.getByName(s) instanceof java.net.Inet6Address || s.contains(".");
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** A cloud-init document: a YAML map is kept as data, a string as text (as the spec says). */
  static Object document(YNode node, Ctx ctx) {
    if (!(node instanceof YNode.YMap)
        && !(node instanceof YNode.YScalar s && s.value() instanceof String)) {
      throw new BadValue(
          node.pos(), "`" + ctx.key() + "` must be a YAML map or a string, not " + node.kindName());
    }
    refuseAmbiguousIntegers(node, ctx);
    return YNode.toPlain(node);
  }

  /**
   * cloud-init reads the document virtd writes with YAML 1.1, where {@code 0644} is octal 420 and
   * {@code 1_000} is 1000; virtd reads them as 644 and text. Either way one of the two would get a
   * number the author did not mean, so such integers must be quoted or written plainly.
   */
  private static void refuseAmbiguousIntegers(YNode node, Ctx ctx) {
    if (node instanceof YNode.YMap m) {
      m.entries().forEach(e -> refuseAmbiguousIntegers(e.value(), ctx));
    } else if (node instanceof YNode.YSeq q) {
      q.items().forEach(i -> refuseAmbiguousIntegers(i, ctx));
    } else if (node instanceof YNode.YScalar s
        && (s.value() instanceof Long || s.value() instanceof BigInteger)
        && s.text() != null
        && s.text().strip().matches("[-+]?0[0-9_]+|.*_.*")) {
      throw new BadValue(
          s.pos(),
          "`"
              + ctx.key()
              + "`: an integer with a leading 0 or `_` is ambiguous: cloud-init (YAML 1.1) reads"
              + " 0644 as octal 420 and 1_000 as 1000; quote it (\"0644\") or write it in decimal");
    }
  }

  static String userPassword(YNode node, Ctx ctx) {
    if (!(node instanceof YNode.YScalar s) || !(s.value() instanceof String str)) {
      throw new BadValue(
          node.pos(),
          "`" + ctx.key() + "` must be a string `user:password`, not " + node.kindName());
    }
    int colon = str.indexOf(':');
    if (colon <= 0
        || colon == str.length() - 1
        || str.indexOf('\0') >= 0
        || str.indexOf('\n') >= 0) {
      throw new BadValue(
          node.pos(), "`" + ctx.key() + "` must have the form user:password (value not shown)");
    }
    return str;
  }

  static String secretString(YNode node, Ctx ctx) {
    // digits are a password too (`vnc_password: 12345678`), kept exactly as written
    String str =
        node instanceof YNode.YScalar s && s.value() != null && !(s.value() instanceof Boolean)
            ? s.text()
            : null;
    if (str == null || str.isEmpty()) {
      throw new BadValue(
          node.pos(), "`" + ctx.key() + "` must be a non-empty string (value not shown)");
    }
    if (str.indexOf('\0') >= 0 || str.indexOf('\n') >= 0) {
      throw new BadValue(node.pos(), "`" + ctx.key() + "` must be a single line (value not shown)");
    }
    refuseNonXml(node, ctx, str);
    return str;
  }

  /** How a value is quoted back in an error; secrets are never shown. */
  static String describe(YNode node, Ctx ctx) {
    if (ctx.secret()) {
      return node.kindName() + " (value not shown)";
    }
    if (node instanceof YNode.YScalar s && s.value() != null) {
      return "`" + describeText(s.text()) + "`";
    }
    return node.kindName();
  }

  /** A value quoted back in an error: shortened, made safe to print ({@link SafeText}). */
  static String describeText(String text) {
    if (text.length() > 60) {
      text = text.substring(0, 57) + "...";
    }
    return SafeText.of(text);
  }
}
