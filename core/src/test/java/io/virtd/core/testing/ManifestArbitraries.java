package io.virtd.core.testing;

import io.virtd.core.manifest.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * jqwik generators for manifest text: arbitrary YAML trees (keys from the {@link Field} set and junk,
 * scalars of every YAML kind) for the loader's robustness, and valid {@code virt} resources with
 * random subsets of the libvirt changeable keys for planner and apply properties.
 */
public final class ManifestArbitraries {
  private ManifestArbitraries() {}

  /** Strings with the characters that break naive YAML or XML writers: quotes, markup, controls, non-ASCII. */
  public static Arbitrary<String> nastyText(int maxLength) {
    return Arbitraries.strings()
        .withCharRange(' ', '~')
        .withChars('\t', '\n', '\r', '\0', '\u0085', '\u00e9', '\u2028', '\ufeff', '\u4e2d')
        .withChars("<>&'\"\\:#-*&!|%@`{}[],?")
        .ofMaxLength(maxLength);
  }

  /** A scalar written as YAML: plain numbers and words, quoted strings with escapes. */
  static Arbitrary<String> scalar() {
    return Arbitraries.oneOf(
        Arbitraries.integers().map(String::valueOf),
        Arbitraries.longs().map(String::valueOf),
        Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(18), java.math.BigInteger.TEN.pow(40)).map(String::valueOf),
        Arbitraries.doubles().map(String::valueOf),
        Arbitraries.of("true", "false", "yes", "no", "~", "null", "", ".inf", "-.nan", "0x1F", "0o17", "017", "1e400", "-0"),
        Arbitraries.of("512MiB", "1g", "1048576KiB", "16T", "17TiB", "0M", "-1G", "1.5GiB", "9999999999999999999GiB", "30s", "5m", "0ms", "99999999999h"),
        Arbitraries.of("running", "stopped", "installed", "absent", "kvm", "qemu", "openvz", "xen_paravirt", "vnc:5901", "vnc:1", "enable", "UTC", "preserv", "x86_64"),
        nastyText(30).map(ManifestArbitraries::doubleQuoted),
        Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(12));
  }

  /** A key: one of the manifest's, {@code virt}, or junk (near misses, long, non-ASCII, odd YAML). */
  static Arbitrary<String> key() {
    List<String> known = new ArrayList<>(Field.keys());
    known.add("virt");
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of(known)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(60)),
        net.jqwik.api.Tuple.of(1, nastyText(20).map(ManifestArbitraries::doubleQuoted)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("memroy", "Memory", "VIRT", "<<", "? complex", "1", "true", "~")));
  }

  /** A flow-style YAML node nested up to {@code depth}. */
  static Arbitrary<String> node(int depth) {
    if (depth <= 0) {
      return scalar();
    }
    Arbitrary<String> map =
        Combinators.combine(key(), Arbitraries.lazy(() -> node(depth - 1)))
            .as((k, v) -> k + ": " + v)
            .list()
            .ofMaxSize(4)
            .map(es -> "{" + String.join(", ", es) + "}");
    Arbitrary<String> list =
        Arbitraries.lazy(() -> node(depth - 1)).list().ofMaxSize(4).map(xs -> "[" + String.join(", ", xs) + "]");
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, scalar()), net.jqwik.api.Tuple.of(1, map), net.jqwik.api.Tuple.of(1, list));
  }

  /** One document as a block map: usually starting with {@code virt: NAME}, keys from the Field set. */
  static Arbitrary<String> document() {
    Arbitrary<String> title =
        Arbitraries.oneOf(
            Arbitraries.strings().alpha().numeric().withChars("_.-").ofMinLength(1).ofMaxLength(70),
            nastyText(10).map(ManifestArbitraries::doubleQuoted),
            scalar());
    Arbitrary<List<String>> entries =
        Combinators.combine(key(), node(3)).as((k, v) -> k + ": " + v).list().ofMaxSize(8);
    return Combinators.combine(Arbitraries.of(true, true, true, false), title, entries)
        .as(
            (virtFirst, name, es) -> {
              StringBuilder b = new StringBuilder();
              if (virtFirst) {
                b.append("virt: ").append(name).append('\n');
              }
              es.forEach(e -> b.append(e).append('\n'));
              return b.toString();
            });
  }

  /** Manifest files: one or more documents, sometimes damaged by a random insertion. */
  public static Arbitrary<String> yamlFile() {
    Arbitrary<String> valid =
        Combinators.combine(Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(20), Arbitraries.of("kvm", "qemu"), libvirtChangeable())
            .as(ManifestArbitraries::manifest);
    Arbitrary<String> docs =
        Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, document()), net.jqwik.api.Tuple.of(1, valid))
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(ds -> String.join("---\n", ds));
    Arbitrary<String> damage =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, Arbitraries.just("")),
            net.jqwik.api.Tuple.of(4, Arbitraries.of(":", "- ", "\t", "  ", "\"", "'", "{", "]", "&a ", "*a", "!!binary ", "%YAML 1.1\n", "\0")));
    return Combinators.combine(docs, damage, Arbitraries.integers().between(0, 10_000))
        .as((text, d, at) -> {
          int i = text.isEmpty() ? 0 : at % text.length();
          return text.substring(0, i) + d + text.substring(i);
        });
  }

  static String doubleQuoted(String s) {
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

  /**
   * Valid values, as YAML, for the libvirt keys a guest without disks can change: a random subset
   * of them is a valid manifest body (after {@code virt:} and {@code virt_type:}).
   */
  public static Arbitrary<Map<String, String>> libvirtChangeable() {
    Map<String, Arbitrary<String>> gens = new LinkedHashMap<>();
    gens.put("memory", Arbitraries.oneOf(
        Arbitraries.integers().between(16, 1024).map(String::valueOf),
        Arbitraries.integers().between(16, 1024).map(n -> n + "MiB"),
        Arbitraries.integers().between(16 * 1024, 1024 * 1024).map(n -> n + "KiB"),
        Arbitraries.of("1G", "1g", "1GiB")));
    gens.put("cpus", Arbitraries.integers().between(1, 4).map(String::valueOf));
    gens.put("desc", Arbitraries.strings().withCharRange(' ', '~').withChars("\u00e9\u4e2d<>&'\"").ofMinLength(1).ofMaxLength(40)
        .filter(s -> !s.isBlank() && s.strip().equals(s))
        .map(ManifestArbitraries::doubleQuoted));
    for (String k : List.of("on_poweroff", "on_reboot", "on_crash")) {
      gens.put(k, Arbitraries.of("destroy", "restart", "preserve", "rename-restart"));
    }
    gens.put("clocksync", Arbitraries.of("UTC", "localtime", "timezone", "variable"));
    gens.put("graphics", Arbitraries.oneOf(Arbitraries.of("enable", "disable"), Arbitraries.integers().between(5900, 65535).map(p -> "vnc:" + p)));
    gens.put("autoboot", Arbitraries.of("true", "false"));
    gens.put("ensure", Arbitraries.of("running", "stopped", "installed"));
    List<String> keys = new ArrayList<>(gens.keySet());
    return Arbitraries.subsetOf(keys)
        .flatMap(
            chosen -> {
              List<String> ordered = keys.stream().filter(chosen::contains).toList();
              if (ordered.isEmpty()) {
                return Arbitraries.just(Map.<String, String>of());
              }
              List<Arbitrary<String>> values = ordered.stream().map(gens::get).toList();
              return Combinators.combine(values)
                  .as(vs -> {
                    Map<String, String> m = new LinkedHashMap<>();
                    for (int i = 0; i < ordered.size(); i++) {
                      m.put(ordered.get(i), vs.get(i));
                    }
                    return m;
                  });
            });
  }

  /** The manifest text of one resource from {@link #libvirtChangeable()} values. */
  public static String manifest(String name, String virtType, Map<String, String> body) {
    return "virt: " + name + "\nvirt_type: " + virtType + "\n"
        + body.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue() + "\n").collect(Collectors.joining());
  }
}
