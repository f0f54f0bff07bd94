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
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A {@code network:} or {@code pool:} document as its spec: known keys with valid values, checked
 * against each other, every problem at its FILE:LINE:COL with a did-you-mean for a misspelt key. As
 * for guests, a document with any problem declares nothing (and so changes nothing).
 */
final class HostResourceDocument {
  private HostResourceDocument() {}

  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");

  /** A Linux interface name: at most 15 characters, no slash, no white space. */
  private static final Pattern BRIDGE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}");

  /** A DHCP host name dnsmasq takes: letters, digits and hyphens, dot-separated. */
  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");

  private static final Parser STATE = WordValues.oneOf(enumMap(HostState.values(), HostState::key));
  private static final Parser FORWARD =
      WordValues.oneOf(enumMap(NetworkSpec.Forward.values(), NetworkSpec.Forward::key));
  private static final Parser POOL_TYPE =
      WordValues.oneOf(enumMap(PoolSpec.Type.values(), PoolSpec.Type::key));
  private static final Parser RESTART = WordValues.oneOf(WordValues.words("never", "on_change"));

  /** The title keys of the host resources, after {@code virt} the other document types. */
  static final List<String> TITLES = List.of("network", "pool");

  /**
   * A document whose first key is {@code network} or {@code pool} as its spec ({@link NetworkSpec}
   * or {@link PoolSpec}), or null (problems added) when it is not valid.
   */
  static Record interpret(Path file, YNode.YMap map, List<Problem> problems) {
    YNode.Entry title = map.entries().get(0);
    String name = ResourceDocument.resourceName(file, title, problems);
    if (name == null) {
      return null;
    }
    return switch (title.key()) {
      case "network" -> network(file, map, name, problems);
      case "pool" -> pool(file, map, name, problems);
      default -> throw new IllegalArgumentException("not a host resource: " + title.key());
    };
  }

  /** Reads a {@code network: NAME} document; null (problems added) when it is not valid. */
  static NetworkSpec network(Path file, YNode.YMap map, String name, List<Problem> problems) {
    List<String> known =
        keyNames(NetworkSpec.Key.values(), NetworkSpec.Key::key).stream()
            .filter(k -> !k.contains("."))
            .toList();
    Keys keys = new Keys(file, afterTitle(map), known);
    int before = problems.size();
    keys.check(problems);
    Optional<NetworkSpec.Forward> forward =
        keys.value("forward", FORWARD, problems).map(NetworkSpec.Forward.class::cast);
    Optional<String> bridge = keys.value("bridge", HostResourceDocument::bridge, problems);
    Optional<NetworkSpec.Ip> ip = keys.value("ip", HostResourceDocument::ip, problems);
    Optional<Boolean> autostart =
        keys.value("autostart", WordValues.BOOL, problems).map(Boolean.class::cast);
    HostState ensure =
        keys.value("ensure", STATE, problems).map(HostState.class::cast).orElse(HostState.RUNNING);
    Optional<String> connect =
        keys.value("connect", NetworkValues.CONNECT, problems).map(String.class::cast);
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
        Keys sub = new Keys(file, dhcpMap.entries(), List.of("range", "hosts"));
        sub.check(problems);
        range = sub.value("range", HostResourceDocument::range, problems);
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

  /** Reads a {@code pool: NAME} document; null (problems added) when it is not valid. */
  static PoolSpec pool(Path file, YNode.YMap map, String name, List<Problem> problems) {
    Keys keys = new Keys(file, afterTitle(map), keyNames(PoolSpec.Key.values(), PoolSpec.Key::key));
    int before = problems.size();
    keys.check(problems);
    Optional<PoolSpec.Type> type =
        keys.value("type", POOL_TYPE, problems).map(PoolSpec.Type.class::cast);
    Optional<String> path = keys.value("path", HostResourceDocument::hostPath, problems);
    Optional<String> source = keys.value("source", TextValues::string, problems);
    Optional<Boolean> autostart =
        keys.value("autostart", WordValues.BOOL, problems).map(Boolean.class::cast);
    HostState ensure =
        keys.value("ensure", STATE, problems).map(HostState.class::cast).orElse(HostState.RUNNING);
    Optional<String> connect =
        keys.value("connect", NetworkValues.CONNECT, problems).map(String.class::cast);
    Pos titlePos = map.entries().get(0).keyPos();
    if (type.isEmpty() && !keys.keyPos.containsKey("type")) {
      problems.add(
          Problem.error(
              file,
              titlePos,
              "pool `" + name + "` has no `type` (dir, fs, netfs, logical or zfs)"));
    }
    if (type.isPresent()) {
      PoolSpec.Type t = type.get();
      boolean needsPath =
          t == PoolSpec.Type.DIR || t == PoolSpec.Type.FS || t == PoolSpec.Type.NETFS;
      if (needsPath && path.isEmpty() && !keys.keyPos.containsKey("path")) {
        problems.add(
            Problem.error(file, titlePos, "a `" + t.key() + "` pool needs `path`, its directory"));
      }
      if (!needsPath && keys.keyPos.containsKey("path")) {
        problems.add(
            Problem.error(
                file,
                keys.keyPos.get("path"),
                "`path` is not for a `"
                    + t.key()
                    + "` pool: libvirt names its volumes' directory"));
      }
      boolean needsSource = t == PoolSpec.Type.FS || t == PoolSpec.Type.NETFS;
      if (needsSource && source.isEmpty() && !keys.keyPos.containsKey("source")) {
        problems.add(
            Problem.error(
                file,
                titlePos,
                "a `"
                    + t.key()
                    + "` pool needs `source`"
                    + (t == PoolSpec.Type.FS ? ", the block device" : ", HOST:/EXPORT")));
      }
      if (t == PoolSpec.Type.DIR && keys.keyPos.containsKey("source")) {
        problems.add(
            Problem.error(file, keys.keyPos.get("source"), "`source` is not for a `dir` pool"));
      }
      source.ifPresent(s -> checkSource(file, t, s, keys.valuePos.get("source"), problems));
    }
    if (problems.size() != before) {
      return null;
    }
    return new PoolSpec(
        name,
        type.orElseThrow(),
        path,
        source,
        autostart,
        ensure,
        connect,
        file,
        titlePos,
        keys.keyPos);
  }

  // ------------------------------------------------------------------ values

  private static String bridge(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    if (!BRIDGE.matcher(s).matches()) {
      throw new BadValue(
          node.pos(),
          "`bridge` must be an interface name (1-15 of A-Z a-z 0-9 _ . -), not `"
              + SafeText.of(shorten(s))
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
              + SafeText.of(shorten(s))
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
              + SafeText.of(shorten(s))
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
      Keys k = new Keys(file, m.entries(), List.of("mac", "ip", "name"));
      int before = problems.size();
      k.check(problems);
      Optional<String> mac = k.value("mac", HostResourceDocument::mac, problems);
      Optional<String> ip = k.value("ip", HostResourceDocument::address, problems);
      Optional<String> name = k.value("name", HostResourceDocument::hostName, problems);
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
              + SafeText.of(shorten(s))
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
          "`" + ctx.key() + "` must be an IPv4 address, not `" + SafeText.of(shorten(s)) + "`");
    }
    return s;
  }

  private static String hostName(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    if (s.length() > 253 || !HOST_NAME.matcher(s).matches()) {
      throw new BadValue(
          node.pos(),
          "`name` must be a host name (letters, digits, -, dots), not `"
              + SafeText.of(shorten(s))
              + "`");
    }
    return s;
  }

  /** An absolute path on the hypervisor: no {@code ..}, nothing a shell or XML would trip on. */
  private static String hostPath(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    if (!s.startsWith("/") || s.contains("/../") || s.endsWith("/..") || s.contains("\n")) {
      throw new BadValue(
          node.pos(),
          "`"
              + ctx.key()
              + "` must be an absolute path on the hypervisor, not `"
              + SafeText.of(shorten(s))
              + "`");
    }
    return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  // ------------------------------------------------------------------ rules between keys

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

  private static void checkSource(
      Path file, PoolSpec.Type type, String source, Pos pos, List<Problem> problems) {
    String why =
        switch (type) {
          case FS -> source.startsWith("/dev/") ? null : "a block device under /dev";
          case NETFS -> source.matches("[A-Za-z0-9.-]+:/[^\\s]*") ? null : "HOST:/EXPORT";
          case LOGICAL -> {
            for (String d : source.split(",")) {
              if (!d.strip().startsWith("/dev/")) {
                yield "the volume group's devices under /dev, comma-separated";
              }
            }
            yield null;
          }
          case ZFS -> source.matches("[A-Za-z0-9][A-Za-z0-9_.:-]*") ? null : "the ZFS pool's name";
          case DIR -> null;
        };
    if (why != null) {
      problems.add(
          Problem.error(
              file,
              pos,
              "`source` of a `"
                  + type.key()
                  + "` pool must be "
                  + why
                  + ", not `"
                  + SafeText.of(shorten(source))
                  + "`"));
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The entries of one map after its title: each known once, unknown ones with a suggestion. */
  private static final class Keys {
    final Path file;
    final Map<String, YNode> nodes = new LinkedHashMap<>();
    final Map<String, Pos> keyPos = new LinkedHashMap<>();
    final Map<String, Pos> valuePos = new LinkedHashMap<>();
    final List<String> known;
    final List<YNode.Entry> entries;

    Keys(Path file, List<YNode.Entry> entries, List<String> known) {
      this.file = file;
      this.known = List.copyOf(known);
      this.entries = entries;
    }

    void check(List<Problem> problems) {
      for (YNode.Entry e : entries) {
        if (!known.contains(e.key())) {
          String hint =
              DidYouMean.suggest(e.key(), known).map(s -> "; did you mean `" + s + "`?").orElse("");
          problems.add(
              Problem.error(
                  file, e.keyPos(), "unknown key `" + SafeText.of(shorten(e.key())) + "`" + hint));
          continue;
        }
        nodes.put(e.key(), e.value());
        keyPos.put(e.key(), e.keyPos());
        valuePos.put(e.key(), e.value().pos());
      }
    }

    YNode node(String key) {
      return nodes.get(key);
    }

    <T> Optional<T> value(String key, Parser parser, List<Problem> problems) {
      YNode n = nodes.get(key);
      if (n == null) {
        return Optional.empty();
      }
      try {
        @SuppressWarnings("unchecked")
        T v = (T) parser.parse(n, new Ctx(key, null, false));
        return Optional.of(v);
      } catch (BadValue bad) {
        problems.add(Problem.error(file, bad.pos(), bad.getMessage()));
        return Optional.empty();
      }
    }
  }

  private static List<YNode.Entry> afterTitle(YNode.YMap map) {
    return map.entries().subList(1, map.entries().size());
  }

  private static <E extends Enum<E>> Map<String, Object> enumMap(
      E[] values, Function<E, String> key) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (E v : values) {
      m.put(key.apply(v), v);
    }
    return m;
  }

  private static <E> List<String> keyNames(E[] values, Function<E, String> key) {
    List<String> out = new ArrayList<>();
    for (E v : values) {
      out.add(key.apply(v));
    }
    return out;
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

  private static String shorten(String s) {
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
