package io.virtd.core.manifest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.math.BigInteger;

/**
 * Numbers: integers in a range (read as decimal whatever YAML 1.1 says), memory sizes and
 * durations.
 */
final class NumberValues {
  private NumberValues() {}

  static final Parser MEMORY =
      Values.described(
          NumberValues::memory,
          Values.type("integer", "string")
              .put("minimum", 1)
              .put("pattern", Values.anchored(Sizes.MEMORY_PATTERN)));
  static final Parser DURATION =
      Values.described(
          NumberValues::duration,
          Values.type("string").put("pattern", Values.anchored(Sizes.DURATION_PATTERN)));

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
        node.pos(), "`" + ctx.key() + "` must be an integer, not " + Values.describe(node, ctx));
  }

  static Parser integer(long min, long max) {
    return Values.described((n, c) -> integer(n, c, min, max), integerSchema(min, max));
  }

  static Parser intRange(int min, int max) {
    return Values.described((n, c) -> (int) integer(n, c, min, max), integerSchema(min, max));
  }

  /**
   * integer() also takes a quoted number (`id: "101"`): the range holds for numbers, the pattern
   * for text.
   */
  private static ObjectNode integerSchema(long min, long max) {
    return Values.type("integer", "string")
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
        "`"
            + ctx.key()
            + "` must be a duration such as 30s or 5m, not "
            + Values.describe(node, ctx));
  }
}
