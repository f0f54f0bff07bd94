package io.virtd.openvz;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * vzctl's value syntax, read the way vzctl reads it ({@code src/lib/config.c}, {@code util.c}):
 * numbers with {@code K/M/G/T/P/B} suffixes and {@code unlimited}, {@code barrier:limit} pairs,
 * {@code yes/no}, {@code name:on|off} masks, device permissions, and IP addresses in the form
 * {@code canon_ip()} stores them. Pure functions only.
 */
final class VzValues {
  /** Beancounter and memory pages are 4 KiB on the hosts OpenVZ runs on (x86_64). */
  static final long PAGE_BYTES = 4096;

  static final long LONG_MAX = Long.MAX_VALUE;
  static final long INT_MAX = Integer.MAX_VALUE;

  /** Every beancounter, in vzlist's field order ({@code include/ub.h}). */
  static final List<String> UBC_NAMES =
      List.of(
          "kmemsize",
          "lockedpages",
          "privvmpages",
          "shmpages",
          "numproc",
          "physpages",
          "vmguarpages",
          "oomguarpages",
          "numtcpsock",
          "numflock",
          "numpty",
          "numsiginfo",
          "tcpsndbuf",
          "tcprcvbuf",
          "othersockbuf",
          "dgramrcvbuf",
          "numothersock",
          "dcachesize",
          "numfile",
          "numiptent",
          "swappages");

  private static final Set<String> UBC_PAGES =
      Set.of(
          "lockedpages",
          "privvmpages",
          "shmpages",
          "physpages",
          "vmguarpages",
          "oomguarpages",
          "swappages");
  private static final Set<String> UBC_ITEMS =
      Set.of(
          "numproc",
          "numtcpsock",
          "numflock",
          "numpty",
          "numsiginfo",
          "numothersock",
          "numfile",
          "numiptent",
          "avnumproc");

  private VzValues() {}

  /** A barrier and a limit ({@code LONG_MAX} = unlimited). */
  record Ubc(long barrier, long limit) {
    /** How vzctl's {@code ubcstr()} and a manifest write it: one value when both are equal. */
    String text() {
      return barrier == limit ? one(barrier) : one(barrier) + ":" + one(limit);
    }

    private static String one(long v) {
      return v == LONG_MAX ? "unlimited" : Long.toString(v);
    }
  }

  /** {@code parse_ul()}: a plain unsigned number or {@code unlimited}. */
  static Optional<Long> number(String s) {
    if (s == null) {
      return Optional.empty();
    }
    if (s.equals("unlimited")) {
      return Optional.of(LONG_MAX);
    }
    if (!s.matches("[0-9]{1,19}")) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(s));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  static Optional<Boolean> yesNo(String s) {
    if ("yes".equals(s)) {
      return Optional.of(true);
    }
    if ("no".equals(s)) {
      return Optional.of(false);
    }
    return Optional.empty();
  }

  /** The divisor {@code parse()} uses for a beancounter: pages, items (no suffix), or bytes. */
  static long ubcDivisor(String name) {
    return UBC_PAGES.contains(name) ? PAGE_BYTES : UBC_ITEMS.contains(name) ? 0 : 1;
  }

  private static final Pattern ONE_SFX =
      Pattern.compile("(unlimited|[0-9]+(?:\\.[0-9]*)?)([TtGgMmKkPpBb])?");

  /** {@code parse_twoul_sfx()}: {@code barrier[:limit]}, each with an optional unit suffix. */
  static Optional<Ubc> barrierLimit(String s, long divisor) {
    if (s == null) {
      return Optional.empty();
    }
    String[] parts = s.split(":", -1);
    if (parts.length > 2) {
      return Optional.empty();
    }
    Optional<Long> b = withSuffix(parts[0], divisor);
    Optional<Long> l = parts.length == 2 ? withSuffix(parts[1], divisor) : b;
    if (b.isEmpty() || l.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Ubc(b.get(), l.get()));
  }

  private static Optional<Long> withSuffix(String s, long divisor) {
    Matcher m = ONE_SFX.matcher(s);
    if (!m.matches()) {
      return Optional.empty();
    }
    if (m.group(1).equals("unlimited")) {
      return Optional.of(LONG_MAX);
    }
    double v = Double.parseDouble(m.group(1));
    if (m.group(2) != null) {
      if (divisor == 0) {
        return Optional.empty();
      }
      v = v * multiplier(m.group(2).charAt(0)) / divisor;
    }
    return Optional.of(v >= (double) LONG_MAX ? LONG_MAX : (long) v);
  }

  private static long multiplier(char c) {
    return switch (Character.toUpperCase(c)) {
      case 'T' -> 1L << 40;
      case 'G' -> 1L << 30;
      case 'M' -> 1L << 20;
      case 'K' -> 1L << 10;
      case 'P' -> PAGE_BYTES;
      default -> 1;
    };
  }

  /** Whether a limit means "no limit" (vzctl writes LONG_MAX; 32-bit kernels report INT_MAX). */
  static boolean unlimited(long v) {
    return v == LONG_MAX || v == INT_MAX;
  }

  /** Words of a list value ({@code IP_ADDRESS}, {@code NAMESERVER}, ...): split on blanks. */
  static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    if (s != null) {
      for (String w : s.trim().split("[\t ]+")) {
        if (!w.isEmpty() && !out.contains(w)) {
          out.add(w);
        }
      }
    }
    return out;
  }

  /**
   * {@code name:on|off} entries ({@code FEATURES}, {@code CAPABILITY}) as name (lower case) → on,
   * in the order written; later entries win.
   */
  static Map<String, Boolean> onOff(String s) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    if (s == null) {
      return out;
    }
    for (String tok : s.trim().split("[\t ,]+")) {
      int i = tok.lastIndexOf(':');
      if (i <= 0) {
        continue;
      }
      String state = tok.substring(i + 1);
      if (state.equals("on") || state.equals("off")) {
        out.put(tok.substring(0, i).toLowerCase(Locale.ROOT), state.equals("on"));
      }
    }
    return out;
  }

  /**
   * {@code type:major:minor:perms} with the permissions in vzctl's r, w, q order; other text as is.
   */
  static String canonDevice(String s) {
    String[] p = s.split(":", -1);
    if (p.length != 4
        || !(p[0].equals("b") || p[0].equals("c"))
        || !p[1].matches("[0-9]+")
        || !(p[2].matches("[0-9]+") || p[2].equals("all"))) {
      return s;
    }
    String perms = p[3].equals("none") ? "" : p[3];
    StringBuilder b = new StringBuilder();
    for (char c : new char[] {'r', 'w', 'q'}) {
      if (perms.indexOf(c) >= 0) {
        b.append(c);
      }
    }
    String minor = p[2].equals("all") ? "all" : Long.toString(Long.parseLong(p[2]));
    return p[0] + ":" + Long.parseLong(p[1]) + ":" + minor + ":" + b;
  }

  /**
   * {@code canon_ip()}: the address as {@code inet_ntop} prints it (IPv6 compressed, lower case),
   * with {@code /mask} kept as a number. Text that is not an address comes back unchanged.
   */
  static String canonIp(String s) {
    int slash = s.indexOf('/');
    String addr = slash < 0 ? s : s.substring(0, slash);
    String mask = slash < 0 ? null : s.substring(slash + 1);
    String out;
    if (addr.contains(":")) {
      out = canonIpv6(addr);
    } else {
      out = canonIpv4(addr);
    }
    if (out == null) {
      return s;
    }
    if (mask == null) {
      return out;
    }
    return mask.matches("[0-9]{1,3}") ? out + "/" + Integer.parseInt(mask) : out + "/" + mask;
  }

  /** The address without its mask, as the kernel (and so vzlist, for a running CT) lists it. */
  static String ipOnly(String s) {
    String c = canonIp(s);
    int slash = c.indexOf('/');
    return slash < 0 ? c : c.substring(0, slash);
  }

  private static String canonIpv4(String s) {
    String[] p = s.split("\\.", -1);
    if (p.length != 4) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (String x : p) {
      if (!x.matches("[0-9]{1,3}") || Integer.parseInt(x) > 255) {
        return null;
      }
      if (b.length() > 0) {
        b.append('.');
      }
      b.append(Integer.parseInt(x));
    }
    return b.toString();
  }

  private static String canonIpv6(String s) {
    if (!s.matches("[0-9A-Fa-f:.]+")) {
      return null;
    }
    byte[] a;
    try {
      InetAddress ia = InetAddress.getByName(s);
      a = ia.getAddress();
      if (!(ia instanceof Inet6Address) && a.length == 4) {
        // an IPv4-mapped address: Java hands back the IPv4 part
        return "::ffff:"
            + (a[0] & 0xff)
            + "."
            + (a[1] & 0xff)
            + "."
            + (a[2] & 0xff)
            + "."
            + (a[3] & 0xff);
      }
    } catch (UnknownHostException e) {
      return null;
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
    }
    // RFC 5952: the longest run of two or more zero groups becomes "::" (the first of equal runs)
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        b.append("::");
        i += bestLen - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
        b.append(':');
      }
      b.append(Integer.toHexString(g[i]));
    }
    return b.toString();
  }
}
