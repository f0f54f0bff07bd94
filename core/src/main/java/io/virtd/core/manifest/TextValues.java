package io.virtd.core.manifest;

import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Text values: strings libvirt's XML can carry, patterns and lists of them, and paths. */
final class TextValues {
  private TextValues() {}

  // Scalars that string() accepts: any but booleans and null (`desc: 1.10` is the text "1.10").
  static final Parser STRING =
      Values.described(TextValues::string, Values.type("string", "number").put("minLength", 1));
  static final Parser PATH =
      Values.described(TextValues::path, Values.type("string").put("minLength", 1));

  /** A path whose file is read and checked when the manifest is loaded ({@link XmlFile}). */
  static final Parser XML_FILE =
      Values.described(
          (node, ctx) -> XmlFile.read(path(node, ctx), node.pos(), ctx.key()),
          Values.type("string").put("minLength", 1));

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
    return Values.described(
        checkedList(pattern.asMatchPredicate(), what),
        Values.itemOrList(Values.type("string").put("pattern", Values.anchored(pattern))));
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
    return Values.described(p, Values.itemOrList(Values.type("string")));
  }

  static Parser matching(Pattern pattern, String what) {
    Parser p =
        (node, ctx) -> {
          String s = string(node, ctx);
          if (!pattern.matcher(s).matches()) {
            throw new BadValue(
                node.pos(),
                "`" + ctx.key() + "` must be " + what + ", not " + Values.describe(node, ctx));
          }
          return s;
        };
    // string() takes numbers as written (`os_variant: 10`); a pattern only constrains strings
    return Values.described(
        p, Values.type("string", "number").put("pattern", Values.anchored(pattern)));
  }

  static String path(YNode node, Ctx ctx) {
    String s = string(node, ctx);
    Path p = Path.of(s);
    if (!p.isAbsolute() && ctx.baseDir() != null) {
      p = ctx.baseDir().resolve(p);
    }
    return p.toAbsolutePath().normalize().toString();
  }
}
