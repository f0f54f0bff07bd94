package io.virtd.core.manifest;

import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The entries of one map of a {@code network} or {@code pool} document (after its title, or a
 * nested map): each known key once, an unknown one with a suggestion, each value parsed where it
 * was written. Also what both documents share: the run state, and how a title is skipped.
 */
final class DocumentKeys {
  static final Parser STATE = WordValues.oneOf(enumMap(HostState.values(), HostState::key));

  final Path file;
  final Map<String, YNode> nodes = new LinkedHashMap<>();
  final Map<String, Pos> keyPos = new LinkedHashMap<>();
  final Map<String, Pos> valuePos = new LinkedHashMap<>();
  final List<String> known;
  final List<YNode.Entry> entries;

  DocumentKeys(Path file, List<YNode.Entry> entries, List<String> known) {
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

  /** {@code autostart}, which both resource types have; empty when not written (not managed). */
  Optional<Boolean> autostart(List<Problem> problems) {
    return value("autostart", WordValues.BOOL, problems).map(Boolean.class::cast);
  }

  /** {@code ensure}: running, stopped or absent; running when not written. */
  HostState ensure(List<Problem> problems) {
    return value("ensure", STATE, problems).map(HostState.class::cast).orElse(HostState.RUNNING);
  }

  /** {@code connect}: a libvirt URI a manifest may name, as for guests. */
  Optional<String> connect(List<Problem> problems) {
    return value("connect", NetworkValues.CONNECT, problems).map(String.class::cast);
  }

  static List<YNode.Entry> afterTitle(YNode.YMap map) {
    return map.entries().subList(1, map.entries().size());
  }

  static <E extends Enum<E>> Map<String, Object> enumMap(E[] values, Function<E, String> key) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (E v : values) {
      m.put(key.apply(v), v);
    }
    return m;
  }

  static <E> List<String> keyNames(E[] values, Function<E, String> key) {
    List<String> out = new ArrayList<>();
    for (E v : values) {
      out.add(key.apply(v));
    }
    return out;
  }

  static String shorten(String s) {
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
