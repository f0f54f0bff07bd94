package io.virtd.core.manifest;

import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;

/** Secrets: passwords, never quoted back in an error. */
final class SecretValues {
  private SecretValues() {}

  static final Parser USER_PASSWORD =
      Values.described(
          SecretValues::userPassword,
          Values.type("string").put("pattern", "^[^:]+:.+$").put("writeOnly", true));
  static final Parser SECRET =
      Values.described(
          SecretValues::secretString, Values.type("string", "number").put("writeOnly", true));

  /** QEMU's VNC authentication uses DES: libvirt refuses passwords longer than 8 characters. */
  static final Parser VNC_PASSWORD =
      Values.described(
          (node, ctx) -> {
            String p = secretString(node, ctx);
            if (p.codePointCount(0, p.length()) > 8) {
              throw new BadValue(
                  node.pos(),
                  "`" + ctx.key() + "` is at most 8 characters, VNC's limit (value not shown)");
            }
            return p;
          },
          Values.type("string", "number").put("writeOnly", true).put("maxLength", 8));

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
    TextValues.refuseNonXml(node, ctx, str);
    return str;
  }
}
