package io.virtd.openvz;

import io.virtd.core.manifest.Field;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.SecretDigest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What virtd keeps in a container's {@code CTID.conf}, as comment lines vzctl leaves alone:
 *
 * <pre>
 * #virtd: owner=host1 origin=created manifest=/etc/virtd/manifests/web.yaml hash=sha256:…
 * #virtd-user: pbkdf2-sha256$100000$SALT$HASH
 * #virtd-written: features=nfs:on,sysfs:off
 * #virtd-written: ipaddr=10.0.0.1/24
 * #virtd-pending: since=1718000000000 capability=net_admin:off features=
 * </pre>
 *
 * <ul>
 *   <li>{@code #virtd:} the ownership mark (the spec's "Ownership").
 *   <li>{@code #virtd-user:} a salted PBKDF2 hash of the {@code user} value last written with
 *       {@code --userpasswd}: vzctl cannot read a password back, so this is how a changed one is
 *       noticed. The password itself is never stored.
 *   <li>{@code #virtd-written:} a list exactly as the manifest spelled it, for the fields vzctl
 *       rewrites when it stores them (capability names upper-cased, features merged and reordered,
 *       IPv6 compressed, {@code numproc=240:240} stored as {@code 240}). The driver reports it as
 *       observed only after checking that the container's actual values mean the same.
 *   <li>{@code #virtd-pending:} restart-only values a running container was booted with when a
 *       change to them was saved, and when; they count only while the container has not restarted.
 * </ul>
 *
 * Values are percent-encoded (blank, {@code =}, {@code ,}, {@code %} and non-ASCII bytes); list
 * items are joined with {@code ,}.
 */
public record VzMarkLines(
    Optional<OwnershipMark> mark,
    Optional<SecretDigest> user,
    Map<Field, List<String>> written,
    Optional<Pending> pending) {

  static final String MARK = VzConfigFile.PREFIX + ":";
  static final String USER = VzConfigFile.PREFIX + "-user:";
  static final String WRITTEN = VzConfigFile.PREFIX + "-written:";
  static final String PENDING = VzConfigFile.PREFIX + "-pending:";

  /** Restart-only fields saved while the container ran, with the values it booted with. */
  public record Pending(long sinceMillis, Map<Field, List<String>> booted) {
    public Pending {
      EnumMap<Field, List<String>> b = new EnumMap<>(Field.class);
      booted.forEach((f, l) -> b.put(f, List.copyOf(l)));
      booted = Collections.unmodifiableMap(b);
    }
  }

  public VzMarkLines {
    EnumMap<Field, List<String>> w = new EnumMap<>(Field.class);
    written.forEach((f, l) -> w.put(f, List.copyOf(l)));
    written = Collections.unmodifiableMap(w);
  }

  public static VzMarkLines none() {
    return new VzMarkLines(Optional.empty(), Optional.empty(), Map.of(), Optional.empty());
  }

  public static VzMarkLines parse(List<String> lines) {
    Optional<OwnershipMark> mark = Optional.empty();
    Optional<SecretDigest> user = Optional.empty();
    Map<Field, List<String>> written = new EnumMap<>(Field.class);
    Optional<Pending> pending = Optional.empty();
    for (String line : lines) {
      if (line.startsWith(MARK)) {
        Map<String, String> kv = pairs(line.substring(MARK.length()));
        if (kv.containsKey("owner")) {
          mark =
              Optional.of(
                  new OwnershipMark(
                      dec(kv.get("owner")),
                      OwnershipMark.Origin.fromKey(dec(kv.getOrDefault("origin", "adopted"))),
                      dec(kv.getOrDefault("manifest", "")),
                      dec(kv.getOrDefault("hash", ""))));
        }
      } else if (line.startsWith(USER)) {
        user = SecretDigest.parse(line.substring(USER.length()).strip());
      } else if (line.startsWith(WRITTEN)) {
        pairs(line.substring(WRITTEN.length()))
            .forEach((k, v) -> Field.byKey(k).ifPresent(f -> written.put(f, items(v))));
      } else if (line.startsWith(PENDING)) {
        Map<String, String> kv = pairs(line.substring(PENDING.length()));
        Map<Field, List<String>> booted = new EnumMap<>(Field.class);
        kv.forEach((k, v) -> Field.byKey(k).ifPresent(f -> booted.put(f, items(v))));
        String since = kv.getOrDefault("since", "");
        if (since.matches("[0-9]{1,19}") && !booted.isEmpty()) {
          pending = Optional.of(new Pending(Long.parseLong(since), booted));
        }
      }
    }
    return new VzMarkLines(mark, user, written, pending);
  }

  /** The lines, in a fixed order: mark, user, one written line per field (field order), pending. */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    mark.ifPresent(
        m ->
            out.add(
                MARK
                    + " owner="
                    + enc(m.owner())
                    + " origin="
                    + m.origin().key()
                    + " manifest="
                    + enc(m.manifest())
                    + " hash="
                    + enc(m.hash())));
    user.ifPresent(u -> out.add(USER + " " + u.encoded()));
    written.forEach((f, l) -> out.add(WRITTEN + " " + f.key() + "=" + join(l)));
    pending.ifPresent(
        p -> {
          StringBuilder b = new StringBuilder(PENDING).append(" since=").append(p.sinceMillis());
          p.booted().forEach((f, l) -> b.append(' ').append(f.key()).append('=').append(join(l)));
          out.add(b.toString());
        });
    return out;
  }

  /**
   * {@code key=value} words, values still encoded (a list is split before its items are decoded).
   */
  private static Map<String, String> pairs(String s) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String tok : s.strip().split(" +")) {
      int eq = tok.indexOf('=');
      if (eq > 0) {
        kv.put(tok.substring(0, eq), tok.substring(eq + 1));
      }
    }
    return kv;
  }

  private static String join(List<String> items) {
    return String.join(",", items.stream().map(VzMarkLines::enc).toList());
  }

  private static List<String> items(String encodedJoined) {
    return encodedJoined.isEmpty()
        ? List.of()
        : Arrays.stream(encodedJoined.split(",", -1)).map(VzMarkLines::dec).toList();
  }

  static String enc(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || "._~/:@+-$".indexOf(c) >= 0) {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }

  static String dec(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }
}
