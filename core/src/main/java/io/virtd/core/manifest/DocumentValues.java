package io.virtd.core.manifest;

import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.math.BigInteger;

/** The cloud-init documents: YAML data or text, handed to cloud-init as written. */
final class DocumentValues {
  private DocumentValues() {}

  static final Parser DOCUMENT =
      Values.described(DocumentValues::document, Values.type("object", "string"));

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
}
