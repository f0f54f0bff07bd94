package io.virtd.core.manifest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A YAML node that remembers where it was written, so every error can point at it. */
public sealed interface YNode {
  Pos pos();

  /** A short name of the node's kind for error messages ("a map", "a list", "a string", ...). */
  String kindName();

  record Entry(String key, Pos keyPos, YNode value) {}

  record YMap(Pos pos, List<Entry> entries) implements YNode {
    public YMap {
      entries = List.copyOf(entries);
    }

    @Override
    public String kindName() {
      return "a map";
    }
  }

  record YSeq(Pos pos, List<YNode> items) implements YNode {
    public YSeq {
      items = List.copyOf(items);
    }

    @Override
    public String kindName() {
      return "a list";
    }
  }

  /**
   * A scalar: {@code value} is a String, Long, java.math.BigInteger, Double, Boolean or null;
   * {@code text} is the scalar as written (so {@code 1.10} or {@code 0101} can still be read as
   * text).
   */
  record YScalar(Pos pos, Object value, String text) implements YNode {
    public YScalar(Pos pos, Object value) {
      this(pos, value, value == null ? null : value.toString());
    }

    public YScalar {
      if (text == null && value != null) {
        text = value.toString();
      }
    }

    @Override
    public String kindName() {
      if (value == null) {
        return "an empty value";
      }
      if (value instanceof String) {
        return "a string";
      }
      if (value instanceof Boolean) {
        return "a boolean";
      }
      if (value instanceof Double) {
        return "a decimal number";
      }
      return "an integer";
    }
  }

  /** The node as plain Java values (maps keep their order), e.g. for cloud-init documents. */
  static Object toPlain(YNode node) {
    if (node instanceof YScalar s) {
      return s.value() instanceof java.math.BigInteger b ? b.toString() : s.value();
    }
    if (node instanceof YSeq q) {
      return q.items().stream().map(YNode::toPlain).toList();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Entry e : ((YMap) node).entries()) {
      out.put(e.key(), toPlain(e.value()));
    }
    return java.util.Collections.unmodifiableMap(out);
  }
}
