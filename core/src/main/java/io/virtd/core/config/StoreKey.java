package io.virtd.core.config;

import io.virtd.core.manifest.DidYouMean;
import io.virtd.core.manifest.YNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The configuration's {@code host} and {@code store} keys: {@code store: {etcd: {endpoints, prefix,
 * ca, cert, key}}}.
 */
final class StoreKey {
  static final List<String> KEYS = List.of("endpoints", "prefix", "ca", "cert", "key");

  private StoreKey() {}

  static String host(YNode v) {
    String t = ConfigLoader.Builder.text(v);
    if (!t.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
      throw new IllegalArgumentException(
          "must be 1-63 of A-Z a-z 0-9 _ . - (a host name; it is part of etcd keys), not `"
              + t
              + "`");
    }
    return t;
  }

  static Optional<Config.Store> read(YNode v) {
    if (!(v instanceof YNode.YMap m)) {
      throw new IllegalArgumentException("must be a map {etcd: {endpoints: [URL, ...]}}");
    }
    Optional<Config.Store> store = Optional.empty();
    for (YNode.Entry e : m.entries()) {
      if (!e.key().equals("etcd")) {
        throw new ConfigLoader.BadAt(
            e.keyPos(),
            "unknown store `"
                + e.key()
                + "` (etcd is the one store)"
                + DidYouMean.hint(e.key(), List.of("etcd")));
      }
      store = Optional.of(etcd(e.value()));
    }
    return store;
  }

  private static Config.Store etcd(YNode v) {
    if (!(v instanceof YNode.YMap m)) {
      throw new IllegalArgumentException("`etcd` must be a map {endpoints: [URL, ...], prefix}");
    }
    List<String> endpoints = new ArrayList<>();
    String prefix = "/virtd";
    Optional<Path> ca = Optional.empty();
    Optional<Path> cert = Optional.empty();
    Optional<Path> key = Optional.empty();
    for (YNode.Entry e : m.entries()) {
      try {
        switch (e.key()) {
          case "endpoints" -> endpoints = endpoints(e.value());
          case "prefix" -> prefix = prefix(e.value());
          case "ca" -> ca = Optional.of(ConfigLoader.Builder.path(e.value()));
          case "cert" -> cert = Optional.of(ConfigLoader.Builder.path(e.value()));
          case "key" -> key = Optional.of(ConfigLoader.Builder.path(e.value()));
          default ->
              throw new ConfigLoader.BadAt(
                  e.keyPos(),
                  "`etcd`: unknown key `"
                      + e.key()
                      + "` (endpoints, prefix, ca, cert, key)"
                      + DidYouMean.hint(e.key(), KEYS));
        }
      } catch (ConfigLoader.BadAt b) {
        throw b;
      } catch (IllegalArgumentException x) {
        throw new ConfigLoader.BadAt(e.value().pos(), "`" + e.key() + "`: " + x.getMessage());
      }
    }
    if (endpoints.isEmpty()) {
      throw new ConfigLoader.BadAt(m.pos(), "`etcd` needs `endpoints`: [http(s)://HOST:PORT, ...]");
    }
    if (cert.isPresent() != key.isPresent()) {
      throw new ConfigLoader.BadAt(m.pos(), "`etcd`: `cert` and `key` go together");
    }
    return new Config.Store(endpoints, prefix, ca, cert, key);
  }

  private static List<String> endpoints(YNode v) {
    List<YNode> items = v instanceof YNode.YSeq l ? l.items() : List.of(v);
    List<String> out = new ArrayList<>();
    for (YNode item : items) {
      String t = ConfigLoader.Builder.text(item);
      if (!t.matches("https?://[^/\\s]+(:[0-9]{1,5})?/?")) {
        throw new ConfigLoader.BadAt(
            item.pos(),
            "`endpoints`: must be http://HOST:PORT or https://HOST:PORT, not `" + t + "`");
      }
      out.add(t);
    }
    return out;
  }

  private static String prefix(YNode v) {
    String t = ConfigLoader.Builder.text(v);
    if (!t.matches("(/[A-Za-z0-9_.-]+)+")) {
      throw new IllegalArgumentException("must look like /virtd (no trailing /), not `" + t + "`");
    }
    return t;
  }
}
