package io.virtd.core.manifest;

import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** A {@code network: NAME} document as its {@link NetworkSpec}. */
final class NetworkDocument {
  private NetworkDocument() {}

  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

  private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");

  /** A Linux interface name: at most 15 characters, no slash, no white space. */
  private static final Pattern BRIDGE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}");

  /** A DHCP host name dnsmasq takes: letters, digits and hyphens, dot-separated. */
  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");

  private static final Parser FORWARD =
      WordValues.oneOf(
          DocumentKeys.enumMap(NetworkSpec.Forward.values(), NetworkSpec.Forward::key));

  private static final Parser RESTART = WordValues.oneOf(WordValues.words("never", "on_change"));

  /** Reads a {@code network: NAME} document; null (problems added) when it is not valid. */
  static NetworkSpec network(Path file, YNode.YMap map, String name, List<Problem> problems) {
    List<String> known =
        DocumentKeys.keyNames(NetworkSpec.Key.values(), NetworkSpec.Key::key).stream()
            .filter(k -> !k.contains("."))
            .toList();
    DocumentKeys keys = new DocumentKeys(file, DocumentKeys.afterTitle(map), known);
    int before = problems.size();
    keys.check(problems);
    Optional<NetworkSpec.Forward> forward =
        keys.value("forward", FORWARD, problems).map(NetworkSpec.Forward.class::cast);
    Optional<String> bridge = keys.value("bridge", NetworkDocument::bridge, problems);
    Optional<NetworkSpec.Ip> ip = keys.value("ip", NetworkDocument::ip, problems);
    Optional<Boolean> autostart = keys.autostart(problems);
    HostState ensure = keys.ensure(problems);
    Optional<String> connect = keys.connect(problems);
    boolean restartOnChange =
        keys.value("restart", RESTART, problems).map("on_change"::equals).orElse(false);
    Map<String, Pos> keyPos = new LinkedHashMap<>(keys.keyPos);
    Optional<NetworkSpec.Range> range = Optional.empty();
    Optional<List<NetworkSpec.DhcpHost>> hosts = Optional.empty();
    YNode dhcp = keys.node("dhcp");
    if (dhcp != null) {
      if (!(dhcp instanceof YNode.YMap dhcpMap)) {
        problems.add(
            Problem.error(
                file,
                dhcp.pos(),
                "`dhcp` must be a map with `range` and `hosts`, not " + dhcp.kindName()));
      } else {
        DocumentKeys sub = new DocumentKeys(file, dhcpMap.entries(), List.of("range", "hosts"));
        sub.check(problems);
        range = sub.value("range", NetworkDocument::range, problems);
        YNode h = sub.node("hosts");
        if (h != null) {
          hosts = Optional.of(hosts(file, h, problems));
        }
        sub.keyPos.forEach((k, p) -> keyPos.put("dhcp." + k, p));
      }
    }
    NetworkSpec.Forward mode = forward.orElse(NetworkSpec.Forward.NAT);
    Pos titlePos = map.entries().get(0).keyPos();
    if (mode == NetworkSpec.Forward.BRIDGE) {
      if (bridge.isEmpty()) {
        problems.add(
            Problem.error(
                file,
                keyPos.getOrDefault("forward", titlePos),
                "`forward: bridge` needs `bridge`: the existing host bridge the network uses"));
      }
      for (String k : List.of("ip", "dhcp")) {
        if (keyPos.containsKey(k)) {
          problems.add(
              Problem.error(
                  file,
                  keyPos.get(k),
                  "`"
                      + k
                      + "` is not for `forward: bridge`: the host bridge's own network has the addresses"));
        }
      }
    } else if (dhcp != null && ip.isEmpty() && !keys.keyPos.containsKey("ip")) {
      problems.add(
          Problem.error(
              file, keyPos.get("dhcp"), "`dhcp` needs the network's `ip` (ADDRESS/PREFIX)"));
    }
    if (ip.isPresent()) {
      range.ifPresent(r -> checkRange(file, ip.get(), r, keyPos.get("dhcp.range"), problems));
      hosts.ifPresent(l -> checkHosts(file, ip.get(), l, dhcp, problems));
    }
    if (problems.size() != before) {
      return null;
    }
    return new NetworkSpec(
        name,
        mode,
        bridge,
        ip,
        range,
        hosts,
        autostart,
        ensure,
        connect,
        restartOnChange,
        file,
        titlePos,
        keyPos);
  }

  private static String bridge(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    if (!BRIDGE.matcher(s).matches()) {
      throw new BadValue(
          node.pos(),
          "`bridge` must be an interface name (1-15 of A-Z a-z 0-9 _ . -), not `"
              + SafeText.of(DocumentKeys.shorten(s))
              + "`");
    }
    return s;
  }

  private static NetworkSpec.Ip ip(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    int slash = s.indexOf('/');
    if (slash < 0
        || !IPV4.matcher(s.substring(0, slash)).matches()
        || !s.substring(slash + 1).matches("[0-9]{1,2}")) {
      throw new BadValue(
          node.pos(),
          "`ip` must be the network's IPv4 address and prefix length such as 192.168.50.1/24, not `"
              + SafeText.of(DocumentKeys.shorten(s))
              + "`");
    }
    int prefix = Integer.parseInt(s.substring(slash + 1));
    if (prefix < 8 || prefix > 30) {
      throw new BadValue(node.pos(), "`ip`: the prefix length must be 8 to 30, not " + prefix);
    }
    NetworkSpec.Ip ip = new NetworkSpec.Ip(s.substring(0, slash), prefix);
    long host = toLong(ip.address()) & ~mask(prefix);
    if (host == 0 || host == (~mask(prefix) & 0xffffffffL)) {
      throw new BadValue(
          node.pos(),
          "`ip` is the network's own address (its bridge's): "
              + ip.address()
              + " is the "
              + (host == 0 ? "network" : "broadcast")
              + " address of /"
              + prefix);
    }
    return ip;
  }

  private static NetworkSpec.Range range(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    String[] ends = s.split("-", -1);
    if (ends.length != 2
        || !IPV4.matcher(ends[0].strip()).matches()
        || !IPV4.matcher(ends[1].strip()).matches()) {
      throw new BadValue(
          node.pos(),
          "`range` must be FIRST-LAST IPv4 addresses such as 192.168.50.100-192.168.50.200, not `"
              + SafeText.of(DocumentKeys.shorten(s))
              + "`");
    }
    NetworkSpec.Range r = new NetworkSpec.Range(ends[0].strip(), ends[1].strip());
    if (toLong(r.start()) > toLong(r.end())) {
      throw new BadValue(node.pos(), "`range` starts after it ends: " + r);
    }
    return r;
  }

  private static List<NetworkSpec.DhcpHost> hosts(Path file, YNode node, List<Problem> problems) {
    if (!(node instanceof YNode.YSeq seq)) {
      problems.add(
          Problem.error(
              file,
              node.pos(),
              "`hosts` must be a list of {mac, ip, name}, not " + node.kindName()));
      return List.of();
    }
    List<NetworkSpec.DhcpHost> out = new ArrayList<>();
    for (YNode item : seq.items()) {
      if (!(item instanceof YNode.YMap m) || m.entries().isEmpty()) {
        problems.add(
            Problem.error(
                file,
                item.pos(),
                "a DHCP host must be a map {mac, ip, name}, not " + item.kindName()));
        continue;
      }
      DocumentKeys k = new DocumentKeys(file, m.entries(), List.of("mac", "ip", "name"));
      int before = problems.size();
      k.check(problems);
      Optional<String> mac = k.value("mac", NetworkDocument::mac, problems);
      Optional<String> ip = k.value("ip", NetworkDocument::address, problems);
      Optional<String> name = k.value("name", NetworkDocument::hostName, problems);
      for (String required : List.of("mac", "ip")) {
        if (!k.keyPos.containsKey(required)) {
          problems.add(Problem.error(file, item.pos(), "a DHCP host needs `" + required + "`"));
        }
      }
      if (problems.size() == before) {
        out.add(new NetworkSpec.DhcpHost(mac.orElseThrow(), ip.orElseThrow(), name));
      }
    }
    return out;
  }

  private static String mac(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    if (!MAC.matcher(s).matches()) {
      throw new BadValue(
          node.pos(),
          "`mac` must be six hex pairs such as 52:54:00:00:00:10, not `"
              + SafeText.of(DocumentKeys.shorten(s))
              + "`");
    }
    if ((Integer.parseInt(s.substring(0, 2), 16) & 1) != 0) {
      throw new BadValue(node.pos(), "`mac` " + s + " is a multicast address: a NIC's is unicast");
    }
    return s.toLowerCase(java.util.Locale.ROOT);
  }

  private static String address(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    if (!IPV4.matcher(s).matches()) {
      throw new BadValue(
          node.pos(),
          "`"
              + ctx.key()
              + "` must be an IPv4 address, not `"
              + SafeText.of(DocumentKeys.shorten(s))
              + "`");
    }
    return s;
  }

  private static String hostName(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    if (s.length() > 253 || !HOST_NAME.matcher(s).matches()) {
      throw new BadValue(
          node.pos(),
          "`name` must be a host name (letters, digits, -, dots), not `"
              + SafeText.of(DocumentKeys.shorten(s))
              + "`");
    }
    return s;
  }

  private static void checkRange(
      Path file, NetworkSpec.Ip ip, NetworkSpec.Range r, Pos pos, List<Problem> problems) {
    if (!inside(ip, r.start()) || !inside(ip, r.end())) {
      problems.add(Problem.error(file, pos, "`range` " + r + " is not inside the network " + ip));
    } else if (toLong(r.start()) <= toLong(ip.address())
        && toLong(ip.address()) <= toLong(r.end())) {
      problems.add(
          Problem.error(
              file, pos, "`range` " + r + " holds the network's own address " + ip.address()));
    }
  }

  private static void checkHosts(
      Path file,
      NetworkSpec.Ip ip,
      List<NetworkSpec.DhcpHost> hosts,
      YNode dhcp,
      List<Problem> problems) {
    YNode.YSeq seq = null;
    for (YNode.Entry e : ((YNode.YMap) dhcp).entries()) {
      if (e.key().equals("hosts") && e.value() instanceof YNode.YSeq s) {
        seq = s;
      }
    }
    Map<String, Integer> macs = new HashMap<>();
    Map<String, Integer> ips = new HashMap<>();
    for (int i = 0; i < hosts.size(); i++) {
      NetworkSpec.DhcpHost h = hosts.get(i);
      Pos pos = seq != null && i < seq.items().size() ? seq.items().get(i).pos() : dhcp.pos();
      if (!inside(ip, h.ip()) || h.ip().equals(ip.address())) {
        problems.add(
            Problem.error(
                file,
                pos,
                "DHCP host " + h.mac() + ": " + h.ip() + " is not a guest address of " + ip));
      }
      Integer seen = macs.putIfAbsent(h.mac(), i);
      if (seen != null) {
        problems.add(Problem.error(file, pos, "MAC " + h.mac() + " is listed twice in `hosts`"));
      }
      seen = ips.putIfAbsent(h.ip(), i);
      if (seen != null) {
        problems.add(Problem.error(file, pos, "address " + h.ip() + " is given to two hosts"));
      }
    }
  }

  private static boolean inside(NetworkSpec.Ip ip, String address) {
    long m = mask(ip.prefix());
    long a = toLong(address);
    long host = a & ~m;
    return (a & m) == (toLong(ip.address()) & m) && host != 0 && host != (~m & 0xffffffffL);
  }

  private static long mask(int prefix) {
    return (0xffffffffL << (32 - prefix)) & 0xffffffffL;
  }

  private static long toLong(String ipv4) {
    try {
      byte[] b = ((Inet4Address) InetAddress.getByName(ipv4)).getAddress();
      return ((b[0] & 0xffL) << 24)
          | ((b[1] & 0xffL) << 16)
          | ((b[2] & 0xffL) << 8)
          | (b[3] & 0xffL);
    } catch (UnknownHostException | ClassCastException e) {
      throw new IllegalArgumentException(ipv4, e); // only called on IPV4-matched text
    }
  }
}
