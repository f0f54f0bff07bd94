package io.virtd.fleet;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The fleet's key layout (v1): {@code PREFIX/v1/desired/HOST/PATH}, {@code PREFIX/v1/hosts/HOST},
 * {@code PREFIX/v1/status/HOST/NAME}. Values are UTF-8.
 */
public record FleetKeys(String prefix) {
  public FleetKeys {
    while (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
  }

  public String desiredDir(String host) {
    return prefix + "/v1/desired/" + host + "/";
  }

  public String desired(String host, String path) {
    return desiredDir(host) + path;
  }

  public String desiredRoot() {
    return prefix + "/v1/desired/";
  }

  public String hostsDir() {
    return prefix + "/v1/hosts/";
  }

  public String host(String host) {
    return hostsDir() + host;
  }

  public String statusRoot() {
    return prefix + "/v1/status/";
  }

  public String statusDir(String host) {
    return statusRoot() + host + "/";
  }

  public String status(String host, String name) {
    return statusDir(host) + name;
  }

  /** The part of {@code key} after {@code dir}, when the key is under it. */
  public static Optional<String> under(String dir, String key) {
    return key.startsWith(dir) && key.length() > dir.length()
        ? Optional.of(key.substring(dir.length()))
        : Optional.empty();
  }

  /** The first path component of {@code rest} (a host name) and what follows it. */
  public static Optional<String[]> split(String rest) {
    int slash = rest.indexOf('/');
    return slash <= 0 || slash == rest.length() - 1
        ? Optional.empty()
        : Optional.of(new String[] {rest.substring(0, slash), rest.substring(slash + 1)});
  }

  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  public static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  /** The smallest key after every key that starts with {@code prefix}: a range's end. */
  public static ByteSequence rangeEnd(String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] end = java.util.Arrays.copyOf(p, p.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteSequence.from(java.util.Arrays.copyOf(end, i + 1));
      }
    }
    return ByteSequence.from(new byte[] {0});
  }
}
