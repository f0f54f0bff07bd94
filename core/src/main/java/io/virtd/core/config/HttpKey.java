package io.virtd.core.config;

import io.virtd.core.manifest.DidYouMean;
import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.YNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The configuration's {@code http} map: {@code listen}, {@code token_file}, {@code tls}. */
final class HttpKey {
  static final List<String> KEYS = List.of("listen", "token_file", "tls");

  private HttpKey() {}

  static Config.Http read(YNode v, Config.Http defaults) {
    if (!(v instanceof YNode.YMap m)) {
      throw new IllegalArgumentException(
          "must be a map {listen: 127.0.0.1:9477, token_file: PATH, tls: {cert: PATH, key: PATH}}");
    }
    Optional<Config.Listen> listen = defaults.listen();
    Pos listenAt = m.pos();
    Optional<Path> token = Optional.empty();
    Pos tokenAt = m.pos();
    Optional<Config.Tls> tls = Optional.empty();
    for (YNode.Entry e : m.entries()) {
      try {
        switch (e.key()) {
          case "listen" -> {
            listen = listen(e.value());
            listenAt = e.keyPos();
          }
          case "token_file" -> {
            token = Optional.of(ConfigLoader.Builder.path(e.value()));
            tokenAt = e.value().pos();
          }
          case "tls" -> tls = Optional.of(tls(e.value()));
          default ->
              throw new ConfigLoader.BadAt(
                  e.keyPos(),
                  "unknown key `"
                      + e.key()
                      + "` (listen, token_file, tls)"
                      + DidYouMean.hint(e.key(), KEYS));
        }
      } catch (ConfigLoader.BadAt b) {
        throw b;
      } catch (IllegalArgumentException x) {
        throw new ConfigLoader.BadAt(e.value().pos(), "`" + e.key() + "`: " + x.getMessage());
      }
    }
    if (listen.isPresent() && !listen.get().loopback() && token.isEmpty()) {
      throw new ConfigLoader.BadAt(
          listenAt,
          "`listen: "
              + listen.get()
              + "` is reachable from other hosts: set `token_file` too (POST needs its token), or"
              + " listen on 127.0.0.1");
    }
    return new Config.Http(listen, token, tls, tokenAt);
  }

  /** {@code off} (YAML may read it as false), {@code HOST:PORT} or {@code [V6]:PORT}. */
  static Optional<Config.Listen> listen(YNode v) {
    if (v instanceof YNode.YScalar s && Boolean.FALSE.equals(s.value())) {
      return Optional.empty();
    }
    String t = ConfigLoader.Builder.text(v).strip();
    if (t.equals("off")) {
      return Optional.empty();
    }
    int colon = t.lastIndexOf(':');
    String host = colon > 0 ? t.substring(0, colon) : "";
    String port = colon > 0 ? t.substring(colon + 1) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      host = ""; // an IPv6 address needs its brackets
    }
    if (host.isEmpty() || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException(
          "must be HOST:PORT (127.0.0.1:9477, [::1]:9477) or off, not `" + t + "`");
    }
    return Optional.of(new Config.Listen(host, Integer.parseInt(port)));
  }

  private static Config.Tls tls(YNode v) {
    if (!(v instanceof YNode.YMap m)) {
      throw new IllegalArgumentException("must be a map {cert: PATH, key: PATH}");
    }
    Path cert = null;
    Path key = null;
    for (YNode.Entry e : m.entries()) {
      switch (e.key()) {
        case "cert" -> cert = ConfigLoader.Builder.path(e.value());
        case "key" -> key = ConfigLoader.Builder.path(e.value());
        default ->
            throw new ConfigLoader.BadAt(
                e.keyPos(),
                "`tls`: unknown key `"
                    + e.key()
                    + "` (cert, key)"
                    + DidYouMean.hint(e.key(), List.of("cert", "key")));
      }
    }
    if (cert == null || key == null) {
      throw new IllegalArgumentException("needs both `cert` and `key`");
    }
    return new Config.Tls(cert, key);
  }
}
