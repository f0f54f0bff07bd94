package io.virtd.core.manifest;

import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.regex.Pattern;

/** Network values: URIs, the libvirt connection, interface names and IP addresses. */
final class NetworkValues {
  private NetworkValues() {}

  private static final Pattern NAME_LIKE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}");

  static final Parser URI =
      Values.described(
          NetworkValues::uri, Values.type("string").put("pattern", "^[A-Za-z][A-Za-z0-9+.-]*:"));
  static final Parser CONNECT =
      Values.described(
          NetworkValues::connect,
          Values.type("string").put("pattern", "^(qemu|xen|test)(\\+(unix|ssh|tls))?://"));
  static final Parser INTERFACES =
      Values.described(
          NetworkValues::interfaces,
          Values.itemOrList(Values.type("string").put("pattern", Values.anchored(NAME_LIKE))));

  static String uri(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
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
    String s = TextValues.string(node, ctx);
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
    List<String> names = TextValues.stringList(node, ctx);
    List<YNode> items = node instanceof YNode.YSeq seq ? seq.items() : List.of(node);
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (!NAME_LIKE.matcher(n).matches()) {
        throw new BadValue(
            items.get(i).pos(),
            "`"
                + ctx.key()
                + "`: `"
                + Values.describeText(n)
                + "` is not a network or bridge name");
      }
    }
    return names;
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
}
