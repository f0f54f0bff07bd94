package io.virtd.core.testing;

import io.virtd.core.manifest.Field;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Pseudo-random generators for manifest text, driven by one {@link Random} so that a seed gives the
 * same inputs every time: arbitrary bytes, YAML trees (keys from the {@link Field} set and junk,
 * scalars of every YAML kind) for the loader's robustness, and valid {@code virt} resources with
 * random subsets of the libvirt changeable keys for planner and apply properties. Sizes and numbers
 * lean towards their edge cases (empty, zero, extremes) now and then, as a property-testing library
 * would.
 */
public final class ManifestGen {
  /**
   * Characters that break naive YAML or XML writers beyond printable ASCII: controls, odd line
   * ends, non-ASCII.
   */
  private static final char[] NASTY_EXTRA =
      ("\t\n\r\0\u0085\u00e9\u2028\ufeff\u4e2d" + "<>&'\"\\:#-*&!|%@`{}[],?").toCharArray();

  private static final String ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final String ALNUM = ALPHA + "0123456789";
  private static final String PRINTABLE =
      java.util.stream.IntStream.rangeClosed(' ', '~')
          .mapToObj(c -> String.valueOf((char) c))
          .collect(Collectors.joining());
  private static final String DESC_CHARS = PRINTABLE + "\u00e9\u4e2d<>&'\"";

  private final Random random;

  public ManifestGen(Random random) {
    this.random = random;
  }

  public Random random() {
    return random;
  }

  // ---- primitives -------------------------------------------------------------------------------

  /** Uniform in {@code [lo, hi]}, with the bounds themselves a little more likely. */
  public int between(int lo, int hi) {
    int roll = random.nextInt(20);
    if (roll == 0) {
      return lo;
    }
    if (roll == 1) {
      return hi;
    }
    return lo + (int) Math.floorMod(random.nextLong(), (long) hi - lo + 1);
  }

  public long between(long lo, long hi) {
    int roll = random.nextInt(20);
    if (roll == 0) {
      return lo;
    }
    if (roll == 1) {
      return hi;
    }
    BigInteger span = BigInteger.valueOf(hi).subtract(BigInteger.valueOf(lo)).add(BigInteger.ONE);
    return BigInteger.valueOf(lo)
        .add(new BigInteger(span.bitLength() + 8, random).mod(span))
        .longValueExact();
  }

  public boolean bool() {
    return random.nextBoolean();
  }

  /** True with probability {@code p}. */
  public boolean chance(double p) {
    return random.nextDouble() < p;
  }

  @SafeVarargs
  public final <T> T oneOf(T... values) {
    return values[random.nextInt(values.length)];
  }

  public <T> T oneOf(List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  /** Index {@code i} with probability {@code weights[i] / sum(weights)}. */
  public int weighted(int... weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int roll = random.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      roll -= weights[i];
      if (roll < 0) {
        return i;
      }
    }
    throw new AssertionError("unreachable");
  }

  /** A size in {@code [min, max]}: often the minimum, sometimes the maximum, otherwise uniform. */
  public int size(int min, int max) {
    int roll = random.nextInt(10);
    if (roll == 0) {
      return min;
    }
    if (roll == 1) {
      return max;
    }
    return min + random.nextInt(max - min + 1);
  }

  public <T> List<T> listOf(int min, int max, Supplier<T> element) {
    int n = size(min, max);
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(element.get());
    }
    return out;
  }

  /** Any bytes, up to {@code maxLength} of them; sometimes none, sometimes all one value. */
  public byte[] bytes(int maxLength) {
    byte[] b = new byte[size(0, maxLength)];
    if (chance(0.1)) {
      java.util.Arrays.fill(b, oneOf((byte) 0, (byte) '\n', (byte) 0xff, (byte) ':'));
    } else {
      random.nextBytes(b);
    }
    return b;
  }

  private String chars(String alphabet, int min, int max) {
    int n = size(min, max);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  public String alpha(int min, int max) {
    return chars(ALPHA, min, max);
  }

  public String alnum(int min, int max) {
    return chars(ALNUM, min, max);
  }

  private char printable() {
    return PRINTABLE.charAt(random.nextInt(PRINTABLE.length()));
  }

  /**
   * Strings with the characters that break naive YAML or XML writers: quotes, markup, controls,
   * non-ASCII.
   */
  public String nastyText(int maxLength) {
    int n = size(0, maxLength);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(bool() ? printable() : NASTY_EXTRA[random.nextInt(NASTY_EXTRA.length)]);
    }
    return b.toString();
  }

  private int anyInt() {
    return chance(0.15) ? oneOf(0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE) : random.nextInt();
  }

  private long anyLong() {
    return chance(0.15) ? oneOf(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE) : random.nextLong();
  }

  private double anyDouble() {
    if (chance(0.15)) {
      return oneOf(0.0, -0.0, 1.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 0.1);
    }
    double magnitude = Math.pow(10, random.nextInt(41) - 20);
    return (bool() ? 1 : -1) * random.nextDouble() * magnitude;
  }

  // ---- YAML -------------------------------------------------------------------------------------

  /** A scalar written as YAML: plain numbers and words, quoted strings with escapes. */
  public String scalar() {
    return switch (random.nextInt(9)) {
      case 0 -> String.valueOf(anyInt());
      case 1 -> String.valueOf(anyLong());
      case 2 -> {
        BigInteger lo = BigInteger.TEN.pow(18);
        BigInteger span = BigInteger.TEN.pow(40).subtract(lo).add(BigInteger.ONE);
        yield lo.add(new BigInteger(span.bitLength() + 8, random).mod(span)).toString();
      }
      case 3 -> String.valueOf(anyDouble());
      case 4 ->
          oneOf(
              "true", "false", "yes", "no", "~", "null", "", ".inf", "-.nan", "0x1F", "0o17", "017",
              "1e400", "-0");
      case 5 ->
          oneOf(
              "512MiB",
              "1g",
              "1048576KiB",
              "16T",
              "17TiB",
              "0M",
              "-1G",
              "1.5GiB",
              "9999999999999999999GiB",
              "30s",
              "5m",
              "0ms",
              "99999999999h");
      case 6 ->
          oneOf(
              "running",
              "stopped",
              "installed",
              "absent",
              "kvm",
              "qemu",
              "openvz",
              "xen_paravirt",
              "vnc:5901",
              "vnc:1",
              "enable",
              "UTC",
              "preserv",
              "x86_64");
      case 7 -> doubleQuoted(nastyText(30));
      default -> alnum(1, 12);
    };
  }

  /**
   * A key: one of the manifest's, {@code virt}, or junk (near misses, long, non-ASCII, odd YAML).
   */
  public String key() {
    return switch (weighted(6, 1, 1, 1)) {
      case 0 -> {
        List<String> known = Field.keys();
        int i = random.nextInt(known.size() + 1);
        yield i == known.size() ? "virt" : known.get(i);
      }
      case 1 -> alpha(1, 60);
      case 2 -> doubleQuoted(nastyText(20));
      default -> oneOf("memroy", "Memory", "VIRT", "<<", "? complex", "1", "true", "~");
    };
  }

  /** A flow-style YAML node nested up to {@code depth}. */
  public String node(int depth) {
    if (depth <= 0) {
      return scalar();
    }
    return switch (weighted(4, 1, 1)) {
      case 0 -> scalar();
      case 1 -> "{" + String.join(", ", listOf(0, 4, () -> key() + ": " + node(depth - 1))) + "}";
      default -> "[" + String.join(", ", listOf(0, 4, () -> node(depth - 1))) + "]";
    };
  }

  /**
   * One document as a block map: usually starting with {@code virt: NAME}, keys from the Field set.
   */
  public String document() {
    boolean virtFirst = random.nextInt(4) != 0;
    String title =
        switch (random.nextInt(3)) {
          case 0 -> chars(ALNUM + "_.-", 1, 70);
          case 1 -> doubleQuoted(nastyText(10));
          default -> scalar();
        };
    List<String> entries = listOf(0, 8, () -> key() + ": " + node(3));
    StringBuilder b = new StringBuilder();
    if (virtFirst) {
      b.append("virt: ").append(title).append('\n');
    }
    entries.forEach(e -> b.append(e).append('\n'));
    return b.toString();
  }

  /**
   * Manifest files: one or more documents (random or valid), sometimes damaged by a random
   * insertion.
   */
  public String yamlFile() {
    List<String> docs =
        listOf(
            1,
            3,
            () ->
                bool()
                    ? document()
                    : manifest(alnum(1, 20), oneOf("kvm", "qemu"), libvirtChangeable()));
    String text = String.join("---\n", docs);
    String damage =
        weighted(6, 4) == 0
            ? ""
            : oneOf(
                ":",
                "- ",
                "\t",
                "  ",
                "\"",
                "'",
                "{",
                "]",
                "&a ",
                "*a",
                "!!binary ",
                "%YAML 1.1\n",
                "\0");
    int at = between(0, 10_000);
    int i = text.isEmpty() ? 0 : at % text.length();
    return text.substring(0, i) + damage + text.substring(i);
  }

  public static String doubleQuoted(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        case '\0' -> b.append("\\0");
        default -> {
          if (c < 0x20 || c == 0x85 || c == 0x2028 || c == 0xfeff) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  // ---- valid manifests --------------------------------------------------------------------------

  /** The libvirt keys a guest without disks can change, in manifest order. */
  public static final List<String> LIBVIRT_CHANGEABLE =
      List.of(
          "memory",
          "cpus",
          "desc",
          "on_poweroff",
          "on_reboot",
          "on_crash",
          "clocksync",
          "graphics",
          "autoboot",
          "ensure");

  /** A valid value, as YAML, for one of {@link #LIBVIRT_CHANGEABLE}. */
  public String libvirtValue(String key) {
    return switch (key) {
      case "memory" ->
          switch (random.nextInt(4)) {
            case 0 -> String.valueOf(between(16, 1024));
            case 1 -> between(16, 1024) + "MiB";
            case 2 -> between(16 * 1024, 1024 * 1024) + "KiB";
            default -> oneOf("1G", "1g", "1GiB");
          };
      case "cpus" -> String.valueOf(between(1, 4));
      case "desc" -> {
        String s;
        do {
          s = chars(DESC_CHARS, 1, 40);
        } while (s.isBlank() || !s.strip().equals(s));
        yield doubleQuoted(s);
      }
      // what QEMU (kvm, qemu) takes: the loader refuses the rest (LifecycleAction.supportedBy)
      case "on_poweroff", "on_reboot" -> oneOf("destroy", "restart");
      case "on_crash" -> oneOf("destroy", "restart", "preserve");
      case "clocksync" -> oneOf("UTC", "localtime", "timezone", "variable");
      case "graphics" -> bool() ? oneOf("enable", "disable") : "vnc:" + between(5900, 65535);
      case "autoboot" -> oneOf("true", "false");
      case "ensure" -> oneOf("running", "stopped", "installed");
      default -> throw new IllegalArgumentException(key);
    };
  }

  /**
   * Valid values, as YAML, for a random subset (sometimes none, sometimes all) of the libvirt keys
   * a guest without disks can change: a valid manifest body after {@code virt:} and {@code
   * virt_type:}.
   */
  public Map<String, String> libvirtChangeable() {
    int mode = random.nextInt(10);
    Map<String, String> m = new LinkedHashMap<>();
    for (String k : LIBVIRT_CHANGEABLE) {
      if (mode == 0 ? false : mode == 1 ? true : bool()) {
        m.put(k, libvirtValue(k));
      }
    }
    if ("destroy".equals(m.get("on_reboot")) && "restart".equals(m.get("on_poweroff"))) {
      m.put("on_reboot", "restart"); // a pair QEMU refuses
    }
    return m;
  }

  /** The manifest text of one resource from {@link #libvirtChangeable()} values. */
  public static String manifest(String name, String virtType, Map<String, String> body) {
    return "virt: "
        + name
        + "\nvirt_type: "
        + virtType
        + "\n"
        + body.entrySet().stream()
            .map(e -> e.getKey() + ": " + e.getValue() + "\n")
            .collect(Collectors.joining());
  }
}
