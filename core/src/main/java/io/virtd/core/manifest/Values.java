package io.virtd.core.manifest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Parsers for manifest values: each turns a {@link YNode} into a typed value or a {@link BadValue}.
 * This class holds what every kind shares (the parser, its JSON Schema, how a value is quoted back
 * in an error); the parsers themselves are grouped by kind: {@link TextValues}, {@link
 * NumberValues}, {@link WordValues}, {@link NetworkValues}, {@link DocumentValues}, {@link
 * SecretValues}.
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
